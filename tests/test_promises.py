"""Promises the README and docs make, each checked as a user meets it: the README's follow-up
commands as written (on a second run too), quiet pipes, usage errors before anything
loads, refusals before any data is prepared, grids the documented way round."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]


def readme_block(after: str) -> list[str]:
    """The commands of the README's first bash block after the text ``after``."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text[text.index(after):], re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def shell(commands: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    ganzoo = f'ganzoo() {{ "{sys.executable}" -m ganzoo "$@"; }}\n'
    return subprocess.run(["bash", "-ec", ganzoo + "\n".join(commands)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_readmes_follow_up_commands_work_after_a_second_run(tmp_path: Path) -> None:
    """`RUN=...; ganzoo sample "$RUN"; ganzoo train --resume "$RUN" --steps N` as the README
    writes them (fewer steps), after two runs: the newest is used, and an extension past the
    run's length keeps learning (vanilla's decaying lr is stretched, not left at zero)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    commands = readme_block("Then, with `RUN`")
    assert commands[0].startswith("RUN=$(ls -td runs/vanilla-ring-*/")
    train = ["ganzoo train vanilla --data ring --steps 60 --quiet"] * 2
    done = shell(train + [c.replace("30000", "100") for c in commands], tmp_path, env)
    assert done.returncode == 0, done.stderr
    runs = sorted((tmp_path / "runs").glob("vanilla-ring-*"))
    assert len(runs) == 2 and (tmp_path / "ring.png").is_file()
    rows = [json.loads(x) for x in (runs[-1] / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["step"] == 100 and all(r["lr"] > 0 for r in rows if 60 < r["step"] < 100), rows
    assert json.loads((runs[0] / "run.json").read_text())["end_step"] == 60  # the older run was left alone


@pytest.mark.parametrize("command", [["list"], ["plugins"], ["datasets"], ["losses"]])
def test_a_closed_pipe_ends_quietly(command: list[str]) -> None:
    """`ganzoo list | head -1`: the reader leaves first; exit 0 and nothing on stderr, like ls."""
    job = subprocess.Popen([sys.executable, "-m", "ganzoo", *command], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    job.stdout.close()
    err = job.stderr.read().decode()
    assert job.wait(timeout=60) == 0 and err == "", err


def test_train_without_a_model_is_a_usage_error_before_torch(run_cli) -> None:
    done = run_cli("train")
    assert done.returncode == 2 and "name a model" in done.stderr and "TORCH_IMPORTED=False" in done.stderr


def test_a_disabled_plugins_model_is_called_disabled(run_cli) -> None:
    done = run_cli("info", "dcgan", env={"GANZOO_DISABLE_PLUGINS": "dcgan"})
    assert done.returncode == 1 and "disabled" in done.stderr and "unknown model" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (["cyclegan", "--data", "sketches2photos", "--augment", "diffaugment"], "--augment works on images"),
    (["cyclegan", "--data", "shapes", "--image-size", "64"], "Compatible datasets"),
    (["dcgan", "--data", "sketches2photos", "--image-size", "64"], "Compatible datasets"),
])
def test_refusals_come_before_any_data_is_prepared(tmp_path: Path, args: list[str], message: str) -> None:
    """On an empty GANZOO_HOME, so drawing the 64 px set would take many seconds and leave a cache."""
    home = tmp_path / "home"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ganzoo", "train", *args, "--steps", "1", "--out", str(tmp_path)],
                          capture_output=True, text=True, env={**os.environ, "GANZOO_HOME": str(home)}, timeout=300)
    assert done.returncode == 1 and message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not list(home.glob("cache/*.safetensors")), list(home.rglob("*"))  # nothing drawn or cached
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("source, args, per_row, rows", [
    ("dcgan.shapes", ["-n", "16"], 4, 4),  # unconditional: square-ish, though shapes has labels
    ("dcgan.shapes", ["-n", "64"], 8, 8),
    ("dcgan.shapes", ["--per-code", "3"], 3, 10),  # one row per value of its InfoGAN code
    ("cgan.digits", ["-n", "30"], 3, 10),  # conditional, no labels asked: one row per class
    ("cgan.digits", ["--per-label", "2"], 2, 10),
    ("cgan.digits", ["--labels", "3,7", "-n", "6", "--nrow", "3"], 3, 2),
])
def test_sample_grids_are_laid_out_as_documented(tmp_path: Path, source: str, args: list[str], per_row: int,
                                                 rows: int) -> None:
    out = tmp_path / "grid.png"
    done = subprocess.run([sys.executable, "-m", "ganzoo", "sample", source, *args, "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    size = 32 + 2  # each image and its padding (torchvision's make_grid, padding 2)
    assert Image.open(out).size == (per_row * size + 2, rows * size + 2)


def test_a_spec_may_name_its_default_dataset() -> None:
    import dataclasses

    import ganzoo
    from ganzoo.training.plan import plan_run

    real = ganzoo.get_registry()
    spec = real.get_model("vanilla")
    spec = dataclasses.replace(spec, defaults={**spec.defaults, "data": "grid"})

    class Registry:  # the real one, with vanilla naming its own default dataset
        def get_model(self, name: str) -> object:
            return spec

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    assert plan_run("vanilla", registry=Registry()).data == "grid"
    assert plan_run("vanilla", "ring", registry=Registry()).data == "ring"  # --data wins


def test_the_readmes_quick_examples_run_as_written(tmp_path: Path) -> None:
    """README's pretrained-weights block (after a short run of one's own, as `RUN`) and every
    tour line that neither trains for minutes nor needs the reader's own files, as written."""
    text = (REPO / "README.md").read_text()
    weights_block = readme_block("Pretrained weights ship")
    tour = re.search(r"## A tour of the CLI\n\n```console\n(.*?)```", text, re.S).group(1)
    needs_more = ("ganzoo train", "ganzoo compare", "RUN", "./", "runs/", "hf://")
    quick = [line[2:].split("  #")[0].strip() for line in tour.splitlines()
             if line.startswith("$ ") and not any(x in line for x in needs_more)]
    assert len(quick) >= 12, quick
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    setup = ["ganzoo train vanilla --data ring --steps 50 --quiet", 'RUN=$(ls -td runs/vanilla-ring-*/ | head -1)']
    done = shell(setup + weights_block + quick, tmp_path, env)
    assert done.returncode == 0, done.stderr[-3000:]
    for made in ("shapes.png", "scores.json", "mine.safetensors", "grid.png", "table.png", "codes.png", "mix.png",
                 "walk.gif"):
        assert (tmp_path / made).is_file(), made


def test_the_training_pages_plan_example_runs_as_written(tmp_path: Path) -> None:
    """docs/training.md's `ganzoo.plan` block, as written, in a fresh process: the plan shows its
    settings, a mismatched dataset is refused while planning, and train(plan) runs it."""
    page = (REPO / "docs" / "training.md").read_text()
    code = re.search(r"## Check a run before it starts\n.*?```python\n(.*?)```", page, re.S).group(1)
    code += "print('trained', run.step, run.dir.parent.name)\n"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "dcgan 20 0.0004 dcgan-shapes", lines
    assert lines[1].startswith("refused:") and "ring" in lines[1], lines
    assert lines[-1] == "trained 20 runs", lines
