"""WGAN and WGAN-GP: clipping holds, the critic has no batch norm, the penalty is paid, learning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import ganzoo
import ganzoo.data as gdata
from ganzoo.metrics.modes import mode_coverage
from ganzoo.training.checkpoint import load


def test_clipping_keeps_every_critic_weight_within_c(tmp_path) -> None:
    run = ganzoo.train("wgan", "ring", out=tmp_path, steps=20, quiet=True, sample_every=100, checkpoint_every=20)
    weights = load(run.dir / "checkpoints" / "last.pt")["nets"]["D"]
    largest = max(float(w.abs().max()) for k, w in weights.items() if "running" not in k and "num_batches" not in k)
    assert largest <= 0.01 + 1e-7
    assert load(run.dir / "checkpoints" / "last.pt")["stream"]["batch"] == 20 * 5  # 5 critic batches per step


def test_penalty_weight_is_the_toy_lambda_on_points_and_the_papers_on_images() -> None:
    from ganzoo_wgan.model import penalty_weight

    assert penalty_weight({"gp_weight": None}, images=False) == 0.1
    assert penalty_weight({"gp_weight": None}, images=True) == 10.0
    assert penalty_weight({}, images=False) == 10.0  # weights saved before the setting trained with 10
    assert penalty_weight({"gp_weight": 2}, images=False) == 2.0
    for bad in (True, "abc", -1.0):
        with pytest.raises(ValueError, match="gp_weight must be a number"):
            penalty_weight({"gp_weight": bad}, images=False)


def test_wgan_gp_critic_has_no_batch_norm_and_uses_adam(tmp_path) -> None:
    from ganzoo_wgan.model import WassersteinGAN

    from ganzoo.nn.base import DataInfo

    spec = ganzoo.get_spec("wgan-gp")
    config = {**spec.defaults, "loss": "wasserstein-gp", "lr": 1e-4}
    model = WassersteinGAN(config, DataInfo("shapes", "labelled-images", 32, 3, tuple("abcdef")))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.D.modules())
    assert isinstance(model.build_optimizers()["D"], torch.optim.Adam)
    assert model.build_optimizers()["D"].defaults["betas"] == (0.5, 0.9)


def test_penalty_is_logged_and_moves_the_critic_towards_unit_gradients(tmp_path) -> None:
    run = ganzoo.train("wgan-gp", "ring", out=tmp_path, steps=60, quiet=True, log_every=10, sample_every=100,
                       checkpoint_every=60)
    import json

    rows = [json.loads(r) for r in (run.dir / "metrics.jsonl").read_text().splitlines()]
    assert all("penalty" in r and "wasserstein" in r for r in rows)
    assert rows[-1]["penalty"] < rows[0]["penalty"]


def train_seeds_side_by_side(model: str, seeds: list[int], out: Path, *flags: str) -> list[Path]:
    """``ganzoo train MODEL --data ring`` with its defaults, one process of one thread per seed,
    all at once: on a 2-core CPU two seeds cost the wall time of one."""
    logs = {seed: out / f"seed{seed}.log" for seed in seeds}
    jobs = {seed: subprocess.Popen([sys.executable, "-m", "ganzoo", "train", model, "--data", "ring", "--seed",
                                    str(seed), "--out", str(out / f"seed{seed}"), "--quiet", "--set", "threads=1",
                                    "--sample-every", "1000000", "--checkpoint-every", "1000000", *flags],
                                   stdout=subprocess.DEVNULL, stderr=logs[seed].open("w")) for seed in seeds}
    try:
        for seed, job in jobs.items():
            assert job.wait(timeout=3_000) == 0, logs[seed].read_text()
    finally:
        for job in jobs.values():
            job.kill()  # a no-op for a finished process; frees the cores after a failure
    runs = [list((out / f"seed{seed}").iterdir()) for seed in seeds]
    assert all(len(folders) == 1 for folders in runs), runs
    return [folders[0] for folders in runs]


def ring_scores(runs: list[Path]) -> list:
    data = gdata.load("ring")
    return [mode_coverage(ganzoo.sample(run, 2_500, seed=1), data.info["centres"], data.info["std"]) for run in runs]


@pytest.mark.slow
def test_wgan_gp_covers_the_ring_on_two_seeds(tmp_path) -> None:
    """Defaults (10k steps, lambda 0.1 on points), seeds 0 and 1 side by side: measured 8/8 modes
    and 95.3 % / 94.7 % high quality (five seeds: 94.7-95.6 %; with lambda 10 seed 1 gave 1.3 %)."""
    scores = ring_scores(train_seeds_side_by_side("wgan-gp", [0, 1], tmp_path))
    assert all(s.modes_covered >= 7 and s.high_quality >= 0.90 for s in scores), [str(s) for s in scores]


@pytest.mark.slow
def test_wgan_clipping_covers_seven_modes_on_two_seeds(tmp_path) -> None:
    """Defaults (lr 2e-4 decaying over 10k steps, EMA), seeds 0 and 1 side by side. Clipping
    keeps the critic too simple for sharp modes, so high quality stays low: measured 8/8 modes
    at 39.9 % / 34.4 % (five seeds: 7-8 modes, 28-56 %; the paper's settings: 4-5 modes, ~1 %)."""
    scores = ring_scores(train_seeds_side_by_side("wgan", [0, 1], tmp_path))
    assert all(s.modes_covered >= 7 and s.high_quality >= 0.20 for s in scores), [str(s) for s in scores]
