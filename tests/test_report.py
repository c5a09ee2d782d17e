"""``run.json`` and ``ganzoo report``: the command a run was started with, how it stopped,
and one self-contained HTML page of a finished, interrupted or half-written run; also
rendered by a headless Chromium to show that the page really draws."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import ganzoo
from ganzoo.cli import main
from ganzoo.services.report import write_report
from ganzoo.training.run_record import RUN_RECORD, RunRecord

pytestmark = pytest.mark.usefixtures("models_host")

QUICK = dict(quiet=True, sample_every=10, checkpoint_every=10, log_every=5)
SECTIONS = ("status", "curves", "samples", "metrics", "config", "checkpoints")


def only_run(out: Path) -> Path:
    (run,) = [p for p in out.iterdir() if p.is_dir()]
    return run


def assert_self_contained(page: str, images: bool = True) -> None:
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert bool(sources) == images and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page


def test_a_finished_run_records_its_call_and_writes_its_report(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path / "runs", steps=20, eval_every=10, eval_samples=200,
                       report=True, **QUICK)
    record = json.loads((run.dir / RUN_RECORD).read_text())
    assert record["status"] == "finished" and record["end_step"] == 20 and record["total_steps"] == 20
    assert record["started_from"] == "python" and record["ganzoo_version"] == ganzoo.__version__
    assert record["python_call"].startswith("ganzoo.train('tinygan', 'ring', out=") and "steps=20" in record["python_call"]
    assert record["command"][:2] == ["python", "-c"] and record["python_call"] in record["command"][2]
    assert record["started"] <= record["ended"]
    assert "report=" not in record["python_call"]

    page = (run.dir / "report.html").read_text()  # written when training stopped
    assert_self_contained(page)
    assert 'class="status finished"' in page
    assert page.count("<figcaption>step ") == 3  # samples at steps 0, 10, 20, as a strip
    assert "checkpoint_step" in page and "modes_covered" in page  # the final scores, with their provenance
    assert "step-000020.pt  (last.pt)" in page
    assert page.count('src="data:image/png;base64,') == 3 + 3  # losses, images/s + lr, scores over steps; 3 grids


def test_cli_train_records_the_exact_command_and_says_where_the_report_is(tmp_path: Path) -> None:
    args = ["train", "tinygan", "--data", "ring", "--steps", "10", "--sample-every", "10", "--out", str(tmp_path / "runs")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path / "runs")
    record = json.loads((run / RUN_RECORD).read_text())
    assert record["command"] == ["ganzoo", *args] and record["started_from"] == "cli"
    assert f"report:      {run / 'report.html'}" in result.output
    assert "ganzoo train tinygan --data ring --steps 10" in (run / "report.html").read_text()


class _CtrlC:
    """Presses Ctrl-C (a real SIGINT to this process) once step ``at`` is logged."""

    def __init__(self, at: int) -> None:
        self.at = at

    @ganzoo.hookimpl
    def ganzoo_train_step_end(self, run, step, metrics):
        if step == self.at:
            os.kill(os.getpid(), signal.SIGINT)


def test_an_interrupted_run_records_it_and_its_report_shows_what_exists(tmp_path: Path) -> None:
    from ganzoo.host import PluginHost
    from ganzoo.training.plan import plan_run
    from ganzoo.training.trainer import Trainer

    record = RunRecord.from_python("tinygan", "ring", steps=1000)
    record.reporter = write_report
    host = PluginHost(extra=[("ctrl-c", _CtrlC(15))])
    plan = plan_run("tinygan", "ring", out=tmp_path, registry=host.registry,
                    settings=dict(steps=1000, log_every=5, sample_every=10, checkpoint_every=10))
    run = Trainer(plan, quiet=True, host=host, record=record).fit()
    assert run.status == "interrupted"
    saved = json.loads((run.dir / RUN_RECORD).read_text())
    assert saved["status"] == "interrupted" and saved["end_step"] == run.step and run.step < 1000

    result = CliRunner().invoke(main, ["report", str(run.dir), "--out", str(tmp_path / "again.html")])
    assert result.exit_code == 0 and result.output.strip() == f"wrote {tmp_path / 'again.html'}"
    page = (tmp_path / "again.html").read_text()
    assert_self_contained(page)
    assert 'class="status interrupted"' in page and f"{run.step} of 1000" in page
    assert "The run was not scored" in page

    # resumed to the end: run.json keeps the command that started it and adds the resume's
    stopped_at = run.step
    ganzoo.train(resume=run.dir, steps=stopped_at + 5, quiet=True, report=True)
    saved = json.loads((run.dir / RUN_RECORD).read_text())
    assert saved["status"] == "finished" and saved["end_step"] == stopped_at + 5
    assert saved["command"] == record.command and saved["from_step"] == 0
    (resume,) = saved["resumes"]
    assert resume["from_step"] == stopped_at and "resume=" in resume["python_call"]
    assert f"resumed at step {stopped_at}" in (run.dir / "report.html").read_text()


def test_a_checkpoint_only_folder_and_a_killed_run(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path / "runs", steps=20, **QUICK)
    bare = tmp_path / "bare"
    shutil.copytree(run.dir / "checkpoints", bare / "checkpoints")
    assert CliRunner().invoke(main, ["report", str(bare)]).exit_code == 0
    page = (bare / "report.html").read_text()
    assert_self_contained(page, images=False)
    assert "no config.json" in page and "No sample grids were saved" in page and "nothing logged yet" in page
    assert 'class="status interrupted"' in page and "step-000020.pt" in page

    # killed: run.json still says running, no process holds the run, the last metrics line is cut off
    record = json.loads((run.dir / RUN_RECORD).read_text())
    (run.dir / RUN_RECORD).write_text(json.dumps({**record, "status": "running", "end_step": None}))
    with open(run.dir / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 25, "loss_D": 0.')
    page = write_report(run.dir).read_text()
    assert 'class="status interrupted"' in page and "killed or crashed" in page
    assert "1 unreadable line(s) skipped" in page


def test_everything_from_the_folder_is_escaped(tmp_path: Path) -> None:
    run = tmp_path / "<b>run</b>"
    (run / "samples").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"model": "<script>alert(1)</script>", "data": "a&b", "config": {}}))
    (run / RUN_RECORD).write_text(json.dumps({"command": ["ganzoo", "train", "<img src=x onerror=alert(1)>"],
                                               "status": "failed", "end_step": 3, "error": "<i>boom</i>"}))
    page = write_report(run).read_text()
    assert "<script>" not in page and "<b>run" not in page and "<img src=x" not in page and "<i>boom" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;i&gt;boom&lt;/i&gt;" in page
    assert 'class="status failed"' in page


def test_a_folder_that_is_not_a_run_is_one_line_and_exit_1(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing"):
        result = CliRunner().invoke(main, ["report", str(path)])
        assert result.exit_code == 1, result.output
        (line,) = result.output.strip().splitlines()
        assert "ganzoo run folder" in line or "no folder at" in line
        assert "Traceback" not in result.output
    assert CliRunner().invoke(main, ["report"]).exit_code == 2  # usage


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None and not os.environ.get("GANZOO_REQUIRE_CHROMIUM"),
                    reason="no chromium here (CI installs it and sets GANZOO_REQUIRE_CHROMIUM=1)")
def test_a_real_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    from PIL import Image

    run = ganzoo.train("tinygan", "ring", out=tmp_path / "runs", steps=20, report=True, **QUICK)
    shot = tmp_path / "shot.png"
    browser = _chromium()
    assert browser, "GANZOO_REQUIRE_CHROMIUM is set but chromium is not installed (apt-get install -y chromium)"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,2000",
                    (run.dir / "report.html").as_uri()], check=True, capture_output=True, timeout=120)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 2000)
    pixels = np.asarray(image, dtype=np.int32)
    assert pixels.std() > 20  # not a blank page

    def near(colour: tuple[int, int, int]) -> int:
        return int((np.abs(pixels - np.array(colour)).sum(axis=2) < 60).sum())

    # matplotlib's first colours: the loss curves (tab:blue, tab:orange) and images/s (tab:green) were drawn
    assert near((31, 119, 180)) > 100 and near((255, 127, 14)) > 100 and near((44, 160, 44)) > 100


def test_ranks_started_by_nproc_record_the_command_that_was_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    from ganzoo.cli.command_line import COMMAND_ENV, command_line, handed_down

    ctx = click.Context(click.Command("train"), info_name="train")
    ctx.meta["ganzoo.command_line.args"] = ["tinygan", "--data", "ring"]  # what RecordingCommand keeps
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.delenv(COMMAND_ENV, raising=False)
    typed = command_line(ctx)
    assert typed == ["ganzoo", "train", "tinygan", "--data", "ring"]
    with handed_down([*typed, "--nproc", "2"]):  # the launcher, while it starts the ranks
        assert command_line(ctx) == typed  # not a rank: its own arguments
        monkeypatch.setenv("WORLD_SIZE", "2")  # a rank: the launcher's command, --nproc included
        assert command_line(ctx) == [*typed, "--nproc", "2"]
    assert COMMAND_ENV not in os.environ


def test_a_diverged_run_is_recorded_and_a_failing_report_is_only_a_warning(tmp_path: Path) -> None:
    from ganzoo.training.trainer import TrainingDivergedError

    with pytest.raises(TrainingDivergedError):
        ganzoo.train("tinygan", "ring", out=tmp_path / "a", steps=50, nan_at_step=14, report=True, **QUICK)
    run = only_run(tmp_path / "a")
    saved = json.loads((run / RUN_RECORD).read_text())
    assert saved["status"] == "diverged" and saved["end_step"] == 15 and "diverged at step 15" in saved["error"]
    page = (run / "report.html").read_text()
    assert 'class="status diverged"' in page and "diverged at step 15" in page

    def broken(run_dir: Path) -> Path:
        raise ValueError("no room for plots")

    record = RunRecord(["ganzoo", "train", "tinygan"], reporter=broken)
    with pytest.warns(RuntimeWarning, match="report was not written: ValueError: no room for plots"):
        run = ganzoo.train("tinygan", "ring", out=tmp_path / "b", steps=10, record=record, **QUICK)
    assert run.status == "finished" and json.loads((run.dir / RUN_RECORD).read_text())["status"] == "finished"


def test_python_call_keeps_every_setting_but_unset_ones_and_quiet_false() -> None:
    from ganzoo.training.run_record import python_call

    call = python_call("dcgan", "shapes", {"out": None, "quiet": False, "ema": False, "strict_data": True, "steps": 3})
    assert call == "ganzoo.train('dcgan', 'shapes', ema=False, strict_data=True, steps=3)"
    assert "quiet=True" in python_call("dcgan", None, {"quiet": True})


def test_ada_figures_are_not_drawn_as_losses(tmp_path: Path) -> None:
    from ganzoo.services.report import plots
    from ganzoo.services.report.gather import RunReport

    rows = [{"step": s, "loss_D": 1.0 / s, "aug_p": 0.01 * s, "aug_rt": 0.5} for s in (1, 2, 3)]
    report = RunReport(dir=tmp_path, metrics=rows)
    assert report.loss_names == ["loss_D"]
    assert plots.augmentation(report).startswith("data:image/png;base64,")
    assert plots.augmentation(RunReport(dir=tmp_path, metrics=[{"step": 1, "loss_D": 1.0}])) is None
