"""`ganzoo compare`: rows are normal run folders scored alike; a comparison stopped by
Ctrl-C resumes with nothing lost; bad input is one line before anything trains."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

RECIPES = ["vanilla", "narrow=vanilla:hidden=64"]


def compare(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ganzoo", "compare", *RECIPES, "--data", "ring", "--seeds", "0", "--steps", "600",
            "--eval-every", "300", "--eval-samples", "300", "--parallel", "2", "--out", str(out), *extra]


def test_compare_resumes_after_ctrl_c_and_writes_one_table(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    first = subprocess.Popen(compare(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("runs/vanilla/seed0/*/checkpoints/step-000300.pt")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGINT)  # Ctrl-C reaches the comparison and its running row
    _, err = first.communicate(timeout=120)
    assert first.returncode == 130, err
    again = subprocess.run(compare(out), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    results = json.loads((out / "results.json").read_text())
    assert [r["recipe"] for r in results["recipes"]] == ["vanilla", "narrow"]
    assert len(results["rows"]) == 2 and all(r["steps"] == 600 for r in results["rows"])
    assert all([p["step"] for p in r["curve"]] == [300, 600] for r in results["rows"])  # the same checkpoints
    assert all(r["metric"] == "modes+high_quality" and r["best"] >= r["last"] for r in results["rows"])
    interrupted = Path(next(r["run"] for r in results["rows"] if r["recipe"] == "vanilla" and r["seed"] == 0))
    assert json.loads((interrupted / "config.json").read_text())["resumes"]  # continued, not started again
    assert all(len(list(p.glob("*/config.json"))) == 1 for p in (out / "runs").glob("*/seed*"))
    assert "| narrow | vanilla | hidden=64 |" in (out / "results.md").read_text()
    assert (out / "curves.png").stat().st_size > 0
    third = subprocess.run(compare(out), capture_output=True, text=True, timeout=120)  # all done: nothing trains
    assert third.returncode == 0 and "2 of 2 rows done" in third.stderr


@pytest.mark.parametrize("args, message", [
    (["nosuchgan", "--data", "ring", "--steps", "5"], "unknown model 'nosuchgan'"),
    (["vanilla", "--data", "ring"], "give the comparison a budget"),
    (["vanilla:hidden=abc", "--data", "ring", "--steps", "5"], "hidden must be"),
    (["cyclegan", "--data", "ring", "--steps", "5"], "trains on unpaired-images"),
    (["a=vanilla", "a=wgan", "--data", "ring", "--steps", "5"], "share a label"),
    (["dcgan", "--data", "digits", "--steps", "5", "--eval-metrics", "fid,named"], "the named metric reads"),
    (["dcgan", "--data", "shapes", "--steps", "5", "--eval-metrics", "fid,nosuch"], "unknown metric(s) nosuch"),
])
def test_bad_input_is_one_line_before_anything_trains(tmp_path: Path, run_cli, args: list[str], message: str) -> None:
    done = run_cli("compare", *args, "--out", str(tmp_path / "c"))
    lines = [x for x in done.stderr.splitlines() if x.strip() and not x.startswith("TORCH_IMPORTED")]
    assert done.returncode == 1 and len(lines) == 1 and message in lines[0], done.stderr
    assert not (tmp_path / "c" / "runs").exists()


def test_another_plan_in_the_same_folder_is_refused(tmp_path: Path, run_cli) -> None:
    from ganzoo.services.compare import make_plan, open_folder

    open_folder(tmp_path, make_plan(["vanilla"], "ring", [0], 10, None, 5, 10))
    done = run_cli("compare", "wgan", "--data", "ring", "--steps", "10", "--out", str(tmp_path))
    assert done.returncode == 1 and "holds another comparison" in done.stderr


def test_a_recipe_value_may_hold_commas() -> None:
    from ganzoo.services.compare import parse_recipe

    recipe = parse_recipe("da=dcgan:augment=diffaugment,augment_policy=translation,cutout,lr=0.0002")
    assert (recipe.label, recipe.model) == ("da", "dcgan")
    assert recipe.settings == {"augment": "diffaugment", "augment_policy": "translation,cutout", "lr": 0.0002}


def test_minutes_alone_let_each_row_train_past_its_default_steps() -> None:
    from ganzoo.services.compare import UNCAPPED_STEPS, Recipe, command, make_plan

    plan = make_plan(["vanilla"], "ring", [0], steps=None, minutes=2.0, eval_every=100, eval_samples=100)
    line = command(plan, Recipe("vanilla", "vanilla", {}), 0, Path("row"), threads=1)
    assert line[line.index("--steps") + 1] == str(UNCAPPED_STEPS) and line[line.index("--minutes") + 1] == "2.000"
    capped = make_plan(["vanilla"], "ring", [0], steps=500, minutes=2.0, eval_every=100, eval_samples=100)
    assert "500" in command(capped, Recipe("vanilla", "vanilla", {}), 0, Path("row"), threads=1)


def test_minutes_alone_keep_a_recipes_own_length_and_name_an_open_ended_decay() -> None:
    """A preset's or a recipe's own steps still end the row and plan its learning-rate
    schedule; a decaying schedule with no length would never decay, and the user is told."""
    from ganzoo.services.compare import command, make_plan

    notes: list[str] = []
    plan = make_plan(["long=dcgan:preset=long,lr_schedule=linear-decay", "own=dcgan:steps=700,lr_schedule=cosine",
                      "open=dcgan:lr_schedule=linear-decay", "flat=dcgan"],
                     "shapes", [0], steps=None, minutes=2.0, eval_every=100, eval_samples=100, say=notes.append)
    lines = {recipe.label: command(plan, recipe, 0, Path("row"), threads=1) for recipe in plan.recipes}
    assert "--steps" not in lines["long"] and "--steps" not in lines["own"]
    assert "--steps" in lines["open"] and "--steps" in lines["flat"]
    assert len(notes) == 1 and "'open' decays its learning rate" in notes[0] and "steps=N" in notes[0], notes
    make_plan(["dcgan:lr_schedule=cosine"], "shapes", [0], steps=500, minutes=2.0, eval_every=100,
              eval_samples=100, say=notes.append)
    assert len(notes) == 1  # with --steps the decay has its length


def test_a_row_that_finished_its_own_length_is_done_before_the_minutes(tmp_path) -> None:
    from ganzoo.services.compare import make_plan, row_state

    plan = make_plan(["own=dcgan:steps=700"], "shapes", [0], steps=None, minutes=60.0, eval_every=100,
                     eval_samples=100, say=lambda _: None)
    run = tmp_path / "dcgan-shapes-1"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "last.pt").write_bytes(b"")
    (run / "config.json").write_text(json.dumps({"steps": 700}))
    (run / "metrics.jsonl").write_text(json.dumps({"step": 700, "seconds": 90.0}) + "\n")
    (run / "run.json").write_text(json.dumps({"status": "finished", "end_step": 700}))
    assert row_state(tmp_path, plan) == ("done", 1.5)
    (run / "run.json").write_text(json.dumps({"status": "stopped", "end_step": 400}))
    assert row_state(tmp_path, plan) == ("resume", 1.5)


def test_rows_side_by_side_get_the_least_busy_gpu_and_a_note_when_they_must_share(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a GPU machine every row used to land on the first GPU; now each gets the GPU running
    the fewest rows (as CUDA_VISIBLE_DEVICES names them), and rows that must share one are told
    they train slower. Fake GPUs and processes: only the placement is under test."""
    import torch

    from ganzoo.services import compare as cmp

    class Done:
        returncode = 0

        def __init__(self, *args, env=None, **kwargs) -> None:
            given.append((env or {}).get("CUDA_VISIBLE_DEVICES"))

        def poll(self) -> int:
            return 0

    given: list[str | None] = []
    said: list[str] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,7")
    monkeypatch.setattr(cmp.subprocess, "Popen", Done)
    plan = cmp.make_plan(RECIPES, "ring", [0, 1], 10, None, 5, 10, say=said.append)
    cmp.run_rows(tmp_path, plan, parallel=3, say=said.append)
    assert given == ["4", "7", "4", "4"]  # three at once over two GPUs, then the fourth alone
    assert any("3 rows at a time share 2 GPU(s)" in x and "--parallel 2" in x for x in said), said
    given.clear(), said.clear()
    cmp.run_rows(tmp_path / "two", plan, parallel=2, say=said.append)
    assert given == ["4", "7", "4", "7"] and not any("share" in x for x in said), said
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    given.clear()
    cmp.run_rows(tmp_path / "cpu", plan, parallel=2, say=said.append)
    assert given == [None] * 4  # no GPU: the rows' environment is left as it is


@pytest.mark.parametrize("named, count, expected", [
    (None, 2, ["0", "1"]),  # nothing named: every device by index
    ("4,7,9", 2, ["4", "7"]),  # more names than devices: CUDA reads as many as there are
    ("", 2, ["0", "1"]),
    ("GPU-1a2b", 1, ["GPU-1a2b"]),  # a UUID passes through unchanged
    ("3", 0, []),  # no CUDA: no GPU to give
])
def test_visible_gpus_follow_cuda_visible_devices(monkeypatch: pytest.MonkeyPatch, named: str | None, count: int,
                                                  expected: list[str]) -> None:
    import torch

    from ganzoo.services.compare import visible_gpus

    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    if named is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", named)
    assert visible_gpus() == expected


def test_every_row_takes_the_comparisons_metrics_and_the_table_shows_them_at_the_best_checkpoint(tmp_path) -> None:
    """--eval-metrics reaches each row's `ganzoo train`; the figures beside the headline (here
    named) appear in the table at the step the best checkpoint was kept, median over seeds;
    a folder started before the option existed still resumes."""
    from ganzoo.services.compare import PLAN_FILE, command, make_plan, open_folder, row_folder
    from ganzoo.services.compare_results import markdown, summarise

    plan = make_plan(["dcgan"], "shapes", [0, 1], 30, None, 10, 100, metrics="fid,named")
    line = command(plan, plan.recipes[0], 0, Path("row"), threads=1)
    assert line[line.index("--eval-metrics") + 1] == "fid,named"
    for seed, named in ((0, 0.2), (1, 0.4)):
        run = row_folder(tmp_path, plan.recipes[0], seed) / "dcgan-shapes-1"
        (run / "checkpoints").mkdir(parents=True)
        (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in (
            {"step": 10, "seconds": 6.0, "eval/fid": 90.0, "eval/named": named / 2, "eval/named_classes": 1.0},
            {"step": 20, "seconds": 12.0, "eval/fid": 50.0, "eval/named": named, "eval/named_classes": 3.0},
            {"step": 30, "seconds": 18.0, "eval/fid": 70.0, "eval/named": 0.9, "eval/named_classes": 6.0})))
        (run / "config.json").write_text("{}")
        (run / "checkpoints" / "best.json").write_text(json.dumps({"step": 20, "metric": "fid", "value": 50.0}))
    summary = summarise(tmp_path, plan)
    assert summary["recipes"][0]["at_best"] == pytest.approx({"named": 0.3, "named_classes": 3.0})
    table = markdown(summary)
    assert "| recipe | model | settings | last | best | named | named_classes | steps | minutes |" in table
    assert "| dcgan | dcgan | defaults | 70 | 50 | 0.3 | 3 | 30 | 0.3 |" in table
    older = tmp_path / "older"
    open_folder(older, make_plan(["dcgan"], "shapes", [0], 30, None, 10, 100))
    held = json.loads((older / PLAN_FILE).read_text())
    held.pop("metrics")
    (older / PLAN_FILE).write_text(json.dumps(held))
    open_folder(older, make_plan(["dcgan"], "shapes", [0], 30, None, 10, 100))  # the same comparison: no refusal
