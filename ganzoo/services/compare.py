"""``ganzoo compare``: several models or settings, trained on the same data under the same
budget over several seeds, scored by one evaluator at the same checkpoints.

A comparison is a folder. ``plan.json`` holds what it compares (recipes, data, seeds,
budget, evaluation); ``runs/<recipe>/seed<k>/`` holds one normal run folder per row,
trained by ``ganzoo train`` in a process of its own with ``--eval-every`` (so every row
keeps ``checkpoints/best.pt``). Rows run one after another, or ``parallel`` at a time,
each on its share of the cores and, on a machine with several GPUs, on the GPU running the
fewest rows. Killing a comparison loses at most the steps since each
row's last checkpoint: running it again with the same ``--out`` resumes every row that
had not finished and skips those that had. When all rows are done it writes
``results.json``, ``results.md`` (one table: the median over seeds of each recipe's final
and best score, its steps and minutes), ``curves.png`` (score against minutes and
against steps, one line per row) and ``grids.png`` (each recipe's samples side by side,
seed 0, from its best checkpoint).

A recipe is ``MODEL`` or ``LABEL=MODEL:key=value,key=value`` (any setting of
``ganzoo train --set``), e.g. ``sn-hinge=dcgan:d_norm=spectral,loss=hinge``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

from ganzoo.errors import GanzooError
from ganzoo.files import atomic_write
from ganzoo.host import get_host
from ganzoo.paths import is_path
from ganzoo.training import best
from ganzoo.training.config import parse_set
from ganzoo.training.plan import plan_run

PLAN_FILE = "plan.json"


@dataclass(frozen=True)
class Recipe:
    label: str
    model: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What a comparison trains and how it scores; equal plans are the same comparison."""

    recipes: tuple[Recipe, ...]
    data: str
    seeds: tuple[int, ...]
    steps: int | None
    minutes: float | None
    eval_every: int
    eval_samples: int
    features: str = "classifier"
    metrics: str | None = None  # --eval-metrics of every row; None: those that suit the model's task

    def rows(self) -> list[tuple[Recipe, int]]:
        return [(r, s) for r in self.recipes for s in self.seeds]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "recipes": [asdict(r) for r in self.recipes], "seeds": list(self.seeds)}


#: a row's --steps when the comparison's budget is --minutes alone
UNCAPPED_STEPS = 10**9


def parse_recipe(text: str) -> Recipe:
    """``MODEL`` or ``LABEL=MODEL:key=value,...`` (one line naming the form on a bad one)."""
    label, _, rest = text.partition("=") if "=" in text.split(":")[0] else ("", "", text)
    model, _, settings = rest.partition(":")
    if not model:
        raise GanzooError(f"recipe {text!r} names no model: write MODEL or LABEL=MODEL:key=value,key=value.")
    # a comma starts a new pair only before ``key=``, so a value may hold commas (augment_policy=translation,cutout)
    pairs = [p for p in re.split(r",(?=\s*[A-Za-z_][\w.]*=)", settings) if p.strip()]
    return Recipe(label or (model if not pairs else f"{model}-" + "-".join(p.replace("=", "") for p in pairs)),
                  model, parse_set(pairs))


def make_plan(recipes: list[str], data: str, seeds: list[int], steps: int | None, minutes: float | None,
              eval_every: int, eval_samples: int, features: str = "classifier",
              say: Callable[[str], Any] = print, metrics: str | None = None) -> Plan:
    """The plan, every recipe checked (model, settings, model/data fit) before anything runs;
    ``say`` gets a note for each recipe whose learning-rate schedule the budget leaves open."""
    if not recipes:
        raise GanzooError("name at least one recipe to compare (MODEL, or LABEL=MODEL:key=value,...).")
    if steps is None and minutes is None:
        raise GanzooError("give the comparison a budget: --steps N, --minutes M, or both.")
    if eval_every <= 0:
        raise GanzooError(f"--eval-every must be a positive number of steps, not {eval_every}.")
    parsed = [parse_recipe(r) for r in recipes]
    labels = [r.label for r in parsed]
    if len(set(labels)) != len(labels):
        raise GanzooError(f"two recipes share a label ({', '.join(sorted({x for x in labels if labels.count(x) > 1}))}): "
                          "give each its own with LABEL=MODEL:....")
    registry = get_host().registry
    for recipe in parsed:  # each row's plan, as its `ganzoo train` will make it: every refusal, before any row trains
        planned = plan_run(recipe.model, data, settings={**recipe.settings, **({"steps": steps} if steps else {}),
                                                         **({"eval_metrics": metrics} if metrics else {})},
                           registry=registry)
        if steps is None and not own_length(recipe) and planned.config["lr_schedule"] != "constant":
            say(f"note: recipe {recipe.label!r} decays its learning rate over the run's length, which --minutes "
                "alone leaves open, so it trains at its base rate: give the recipe steps=N, or the comparison "
                "--steps N, to plan the decay.")
        if metrics:  # every row scored alike: a metric one row cannot take is refused before any row trains
            from ganzoo.services.evaluation import check_named, parse_metrics  # lazy: torch, loaded by plan_run by now

            if "named" in parse_metrics(metrics, planned.data_kind, planned.spec.task):
                check_named(str(data))
    if not seeds:
        raise GanzooError("give at least one seed (--seeds 0,1,2).")
    # a folder as an absolute path, so that every row (each run from the comparison's own folder,
    # where nothing shadows a dataset's name) reads the same data
    data = str(Path(data).expanduser().resolve()) if is_path(data) else str(data)
    return Plan(tuple(parsed), data, tuple(seeds), steps, minutes, eval_every, eval_samples, features, metrics)


def own_length(recipe: Recipe) -> bool:
    """Whether the recipe sets its length itself (steps or epochs, or a preset that does, as
    DCGAN's ``long`` does): under a --minutes budget that length still ends the row and
    plans its learning-rate schedule, as it would in ``ganzoo train``."""
    if {"steps", "epochs"} & recipe.settings.keys():
        return True
    preset = recipe.settings.get("preset")
    presets = get_host().registry.get_model(recipe.model).presets if preset else {}
    return bool({"steps", "epochs"} & presets.get(preset, {}).keys())


def open_folder(out: Path, plan: Plan) -> None:
    """Start ``out`` with ``plan``, or check that it already holds the same comparison."""
    path = out / PLAN_FILE
    if path.exists():
        # a plan written before a field existed holds that field's default
        defaults = {f.name: f.default for f in fields(Plan) if f.default is not MISSING}
        held = {**defaults, **json.loads(path.read_text())}
        if held != json.loads(json.dumps(plan.as_dict())):
            raise GanzooError(f"{str(out)!r} holds another comparison (its {PLAN_FILE} differs): give the same "
                              "recipes, data, seeds and budget to resume it, or pick another --out.")
        return
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(plan.as_dict(), indent=1) + "\n"))


def row_folder(out: Path, recipe: Recipe, seed: int) -> Path:
    return out / "runs" / recipe.label / f"seed{seed}"


def run_dir(folder: Path) -> Path | None:
    """The run folder ``ganzoo train`` made inside a row's folder, if it made one."""
    found = sorted(p for p in folder.glob("*/config.json")) if folder.exists() else []
    return found[0].parent if found else None


def row_state(folder: Path, plan: Plan) -> tuple[str, float]:
    """("todo" | "resume" | "done", training minutes spent so far) of one row."""
    run = run_dir(folder)
    if run is None or not (run / "checkpoints" / "last.pt").exists():
        return "todo", 0.0
    times = elapsed(metric_rows(run))
    spent = times[-1][1] / 60 if times else 0.0
    record = json.loads((run / "run.json").read_text()) if (run / "run.json").exists() else {}
    planned_steps = json.loads((run / "config.json").read_text()).get("steps")
    reached = record.get("status") == "finished" and (
        record.get("end_step") in (plan.steps, planned_steps)  # the budget's steps, or the recipe's own
        or (plan.minutes is not None and spent >= plan.minutes * 0.999))
    return ("done" if reached else "resume"), spent


def command(plan: Plan, recipe: Recipe, seed: int, folder: Path, threads: int, spent: float = 0.0) -> list[str]:
    """The ``ganzoo train`` line of one row: a new run, or a resume of the row's run (``spent``:
    the training minutes it has had, from ``row_state``)."""
    # --minutes alone is the whole budget: the model's default length must not end a row first,
    # but a length the recipe sets itself (a preset's) does, and plans its schedule
    steps = plan.steps or (None if own_length(recipe) else UNCAPPED_STEPS)
    budget = [*(["--steps", str(steps)] if steps else []),
              *(["--minutes", f"{max(plan.minutes - spent, 0.05):.3f}"] if plan.minutes else [])]
    common = ["--quiet", "--set", f"threads={threads}"]
    run = run_dir(folder)
    if run is not None and (run / "checkpoints" / "last.pt").exists():
        return [sys.executable, "-m", "ganzoo", "train", "--resume", str(run), *budget, *common]
    settings = [x for k, v in recipe.settings.items() for x in ("--set", f"{k}={json.dumps(v)}")]
    return [sys.executable, "-m", "ganzoo", "train", recipe.model, "--data", plan.data, "--seed", str(seed),
            "--out", str(folder), "--eval-every", str(plan.eval_every), "--checkpoint-every", str(plan.eval_every),
            "--eval-samples", str(plan.eval_samples), "--sample-every", str(plan.eval_every),
            "--set", f"eval_features={plan.features}", *(["--eval-metrics", plan.metrics] if plan.metrics else []),
            *settings, *budget, *common]


def visible_gpus() -> list[str]:
    """The CUDA devices a row may be given (``CUDA_VISIBLE_DEVICES`` values), none without CUDA."""
    import torch  # lazy: this module stays torch-free to import; make_plan has loaded torch by now

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    named = [x.strip() for x in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if x.strip()]
    return (named or [str(i) for i in range(count)])[:count]


def least_busy(gpus: list[str], busy: list[str]) -> str:
    """The GPU running the fewest rows (``min`` keeps the first of those on a tie)."""
    return min(gpus, key=busy.count)


class Running(NamedTuple):
    """A row being trained: its name, its ``ganzoo train`` process, its log and its GPU."""

    name: str
    job: subprocess.Popen
    log: Path
    gpu: str | None


def run_rows(out: Path, plan: Plan, parallel: int = 1, say: Any = print) -> None:
    """Train every row not yet done, ``parallel`` at a time; one failing row fails the
    comparison (after the others that are running have finished) with its one-line error.
    On a machine with several GPUs each row gets one to itself while there are enough;
    rows beside each other on one GPU share it, and each trains slower (docs/cli.md)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = max(1, cores // max(parallel, 1))
    states = [(r, s, *row_state(row_folder(out, r, s), plan)) for r, s in plan.rows()]
    todo = [(r, s, spent) for r, s, state, spent in states if state != "done"]
    say(f"compare: {len(plan.rows()) - len(todo)} of {len(plan.rows())} rows done; training {len(todo)}, "
        f"{parallel} at a time")
    gpus = visible_gpus() if todo else []
    at_once = min(parallel, len(todo))
    if gpus and at_once > len(gpus):
        say(f"compare: {at_once} rows at a time share {len(gpus)} GPU(s), so each trains slower "
            f"than alone and its minutes buy fewer steps; --parallel {len(gpus)} gives each row a GPU")
    running: list[Running] = []
    failures: list[str] = []
    interrupted = False
    try:
        while todo or running:
            while todo and len(running) < parallel:
                recipe, seed, spent = todo.pop(0)
                folder = row_folder(out, recipe, seed)
                folder.mkdir(parents=True, exist_ok=True)
                log = folder / "train.log"
                gpu = least_busy(gpus, [r.gpu for r in running]) if gpus else None
                env = {**os.environ, "CUDA_VISIBLE_DEVICES": gpu} if gpu is not None else None
                with log.open("a") as handle:
                    job = subprocess.Popen(command(plan, recipe, seed, folder.resolve(), threads, spent), stdout=handle,
                                           stderr=subprocess.STDOUT, cwd=out, env=env)
                running.append(Running(f"{recipe.label} seed {seed}", job, log, gpu))
            for entry in list(running):
                name, job, log, _ = entry
                if job.poll() is None:
                    continue
                running.remove(entry)
                if job.returncode == 0:
                    say(f"compare: {name} done")
                elif job.returncode == 130:  # Ctrl-C reached the row first: it saved a checkpoint and stopped
                    interrupted, todo = True, []
                else:
                    lines = [x for x in log.read_text().splitlines() if x.strip()]
                    failures.append(f"{name}: {lines[-1] if lines else f'exit code {job.returncode}'}")
            time.sleep(0.2)
    except KeyboardInterrupt:
        for entry in running:
            entry.job.wait()  # the rows got Ctrl-C too: each saves a checkpoint and stops
        raise
    if interrupted:
        raise KeyboardInterrupt
    if failures:
        raise GanzooError(f"{len(failures)} row(s) failed ({failures[0]}); fix it and run the same command to resume.")


def metric_rows(run: Path) -> list[dict[str, Any]]:
    """The rows of a run's ``metrics.jsonl`` (none before its first log)."""
    path = run / "metrics.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []


def elapsed(rows: list[dict[str, Any]]) -> list[tuple[int, float]]:
    """(step, training seconds since the run began) from a run's metric rows, with each resume's
    clock, which restarts at zero, added on to the time before it."""
    points, offset, last = [], 0.0, 0.0
    for row in rows:
        if "seconds" not in row:
            continue
        if row["seconds"] < last:
            offset += last
        last = row["seconds"]
        points.append((int(row["step"]), offset + float(row["seconds"])))
    return points


def curve(rows: list[dict[str, Any]]) -> list[dict[str, float]]:
    """A run's scores at its evaluation steps, from its metric rows: {step, minutes, score, metric,
    scores}, the score being the headline that also picks the best checkpoint
    (ganzoo.training.best) and ``scores`` every figure of that evaluation."""
    times = dict(elapsed(rows))
    points = []
    for row in rows:
        scores = {k.removeprefix("eval/"): v for k, v in row.items() if k.startswith("eval/")}
        chosen = best.headline(scores) if scores else None
        if chosen is None:
            continue
        step = int(row["step"])
        seconds = times.get(step, max((t for s, t in times.items() if s <= step), default=0.0))
        points.append({"step": step, "minutes": seconds / 60, "score": chosen[1], "metric": chosen[0],
                       "scores": scores})
    return points
