"""A run over several processes (``--nproc``) ends on every rank."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_run_ending_on_a_checkpoint_step_ends_on_every_rank(tmp_path: Path) -> None:
    """The only checkpoint is at the last step (here 6 of 6; with the defaults, ``--steps 500``
    and one every 500). Whether a run ends with one more checkpoint must be decided alike on every rank:
    decided from whether ``last.pt`` existed, a rank that looked before rank 0 had written it
    saved alone and waited for the others forever (4 of 4 tries of this run on a 2-core CPU)."""
    result = subprocess.run([sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "ring", "--steps", "6",
                             "--set", "checkpoint_every=6", "--nproc", "2", "--out", str(tmp_path / "runs")],
                            capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    assert sorted(p.name for p in (run / "checkpoints").glob("step-*.pt")) == ["step-000006.pt"]


def test_compile_falls_back_to_eager_on_every_rank(tmp_path: Path) -> None:
    """``--compile`` with a penalty torch.compile cannot differentiate twice (vanilla's R1):
    under DistributedDataParallel the compiled net sits inside the wrapper, and the run must
    still find it, say so once and go on eagerly on every rank (it crashed at step 0)."""
    result = subprocess.run([sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "ring", "--steps", "4",
                             "--compile", "--nproc", "2", "--out", str(tmp_path / "runs")],
                            capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=240,
                            cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("the run goes on uncompiled") == 1, output  # rank 0 speaks for the run
    assert "finished at step 4/4" in output


def test_a_wall_clock_budget_ends_every_rank_at_the_same_step(tmp_path: Path) -> None:
    """``--minutes`` under ``--nproc``: each rank reads its own clock, so rank 0 decides when
    to stop (every ``log_every`` steps) and every rank stops there, with one checkpoint."""
    result = subprocess.run([sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "ring", "--steps", "1000000",
                             "--minutes", "0.1", "--set", "log_every=7", "--nproc", "2", "--out", str(tmp_path / "runs"),
                             "--quiet"],
                            capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    (saved,) = (run / "checkpoints").glob("step-*.pt")
    step = int(saved.stem.split("-")[1])
    assert step > 0 and step % 7 == 0, saved.name  # stopped where rank 0 was asked
