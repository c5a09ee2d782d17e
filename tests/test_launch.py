"""``ganzoo train --nproc N``: settings and data are checked once before any rank starts, and a
rank's failure is reported once, with exit code 1 and no launcher traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("models_host")


def ganzoo_train(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ganzoo", "train", *args], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"}, timeout=300, cwd=cwd)


def assert_one_clean_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert output.count(message) == 1, output
    assert "Traceback" not in output and "ChildFailedError" not in output, output
    assert "starting 2 processes" not in output, output  # failed before any rank started


def test_a_missing_data_folder_is_reported_once_before_starting(tmp_path: Path) -> None:
    result = ganzoo_train("tinygan", "--data", "./missing", "--nproc", "2", "--out", str(tmp_path / "runs"),
                          cwd=tmp_path)
    assert_one_clean_error(result, "missing")
    assert result.stderr.startswith("Error: ")
    assert not (tmp_path / "runs").exists()


def test_too_few_samples_for_every_process_is_reported_once_before_starting(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "few").mkdir()
    for i in range(3):
        Image.new("RGB", (16, 16), (i * 60, 0, 0)).save(tmp_path / "few" / f"{i}.png")
    result = ganzoo_train("tinygan", "--data", str(tmp_path / "few"), "--image-size", "8", "--batch-size", "2",
                          "--nproc", "2", "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert_one_clean_error(result, "fewer than one batch of 2 for each of 2 processes")


def test_an_unknown_setting_is_reported_once_before_starting(tmp_path: Path) -> None:
    result = ganzoo_train("tinygan", "--data", "ring", "--set", "hiddn=8", "--nproc", "2", cwd=tmp_path)
    assert_one_clean_error(result, "unknown setting 'hiddn'")


def test_a_rank_that_fails_while_training_is_reported_once(tmp_path: Path) -> None:
    """The failure happens inside the ranks (a NaN loss at step 3), after the checks passed."""
    result = ganzoo_train("tinygan", "--data", "ring", "--steps", "20", "--set", "nan_at_step=3", "--nproc", "2",
                          "--out", str(tmp_path / "runs"), "--quiet", cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert output.count("Error: ") == 1 and output.count("training diverged") == 1, output
    assert "Traceback" not in output and "ChildFailedError" not in output, output
