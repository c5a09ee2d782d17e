"""Differentiable augmentation (``--augment``): gradients flow through every policy, real and
fake are treated alike, ADA's p follows D's overfitting and survives a resume, and the image
families train with it. Also the sample grid's layout (``ganzoo sample --per-label/--nrow``)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import ganzoo
from ganzoo.nn.augment import POLICIES, Augment, AugmentError, diff_augment
from ganzoo.nn.model import StepContext
from ganzoo.training.config import AUGMENT_POLICIES, ConfigError
from ganzoo.training.trainer import train as execute

#: tiny runs: a few steps of small nets, nothing written between start and end
TINY = dict(quiet=True, batch_size=8, width=8, sample_every=1_000, checkpoint_every=1_000, log_every=2,
            sample_count=8, precision="fp32", channels_last=False, device="cpu", threads=1)


def train(model: str | None = None, data: str | None = None, *, quiet: bool = False, **settings: object) -> object:
    """The Trainer itself, on a plan: no evaluator, no run report."""
    return execute(ganzoo.plan(model, data, **settings), quiet=quiet)


def images(n: int = 4, size: int = 16) -> torch.Tensor:
    return (torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(1)) * 2 - 1).requires_grad_(True)


@pytest.mark.parametrize("policy", list(POLICIES))
def test_every_policy_is_differentiable_and_changes_the_images(policy: str) -> None:
    x = images()
    y = diff_augment(x, [policy])
    assert y.shape == x.shape and not torch.allclose(y, x)
    (grad,) = torch.autograd.grad(y.square().sum(), x)
    assert grad.abs().sum() > 0 and torch.isfinite(grad).all()


def test_policy_names_agree_with_the_config_check() -> None:
    assert tuple(POLICIES) == AUGMENT_POLICIES


def test_real_and_fake_get_the_same_transforms_and_gradients_reach_g() -> None:
    """One function for both: with the same RNG state a real and a fake batch holding the same
    pixels get identical transforms (so D cannot tell them apart by the augmentation), each
    image draws its own transform, and G's gradient flows through the augmentation."""
    x = images(8).detach()
    augment = Augment("diffaugment")
    torch.manual_seed(3)
    as_real = augment(x)
    torch.manual_seed(3)
    as_fake = augment(x.clone().requires_grad_(True))
    assert torch.equal(as_real, as_fake.detach())
    pair = augment(torch.cat([x[:1], x[:1]]))
    assert not torch.equal(pair[0], pair[1])  # per-image draws, not one transform for the batch
    g = torch.nn.Linear(4, 3 * 16 * 16)
    d = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 16 * 16, 1))
    fake = g(torch.randn(8, 4)).view(8, 3, 16, 16).tanh()
    d(augment(fake)).mean().backward()
    assert g.weight.grad is not None and g.weight.grad.abs().sum() > 0


def test_off_and_ada_at_p_zero_are_the_identity() -> None:
    x = images().detach()
    assert Augment("none")(x) is x
    ctx = StepContext(step=0, device=torch.device("cpu"), autocast=lambda: None, scaler=None, next_batch=lambda: None)
    assert ctx.augment(x) is x  # a context built without augmentation (probes, conformance tests)
    assert torch.equal(Augment("ada")(x), x)


def test_ada_p_rises_when_d_overfits_falls_otherwise_and_round_trips() -> None:
    ada = Augment("ada", kimg=0.1, interval=2)  # p can move 0 -> 1 in 100 real images
    for _ in range(4):
        ada.observe(torch.full((10, 1), 3.0))  # sign 1 > target 0.6: D is sure of every real
    risen = ada.p.clone()
    assert torch.isclose(risen, torch.tensor(0.4)) and torch.isclose(ada.r_t, torch.tensor(1.0))
    state = ada.state_dict()
    again = Augment("ada", kimg=0.1, interval=2)
    again.load_state_dict(state)
    assert torch.equal(again.p, risen) and set(again.figures()) == {"aug_p", "aug_rt"}
    for _ in range(2):
        again.observe(torch.tensor([[1.0], [-1.0]]).repeat(5, 1))  # r_t = 0 < 0.6
    assert again.p < risen
    for _ in range(40):
        again.observe(-torch.ones(10, 1))
    assert again.p == 0  # clamped at 0
    assert Augment("diffaugment").figures() == {}


def test_bad_settings_and_data_are_one_clear_line(tmp_path) -> None:
    with pytest.raises(ConfigError, match="augment_policy must be"):
        train("dcgan", "shapes", out=tmp_path, augment="diffaugment", augment_policy="color,flip")
    with pytest.raises(ConfigError, match="augment must be one of"):
        train("dcgan", "shapes", out=tmp_path, augment="yes")
    with pytest.raises(ConfigError, match="augment ada tunes p from the sign of D's scores.*not 'wasserstein-gp'"):
        train("wgan-gp", "shapes", out=tmp_path, augment="ada")  # Wasserstein scores have no zero to take signs at
    with pytest.raises(AugmentError, match="works on images.*points-2d"):
        train("wgan", "ring", out=tmp_path, augment="diffaugment", steps=1, quiet=True)
    result = subprocess.run([sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "ring", "--augment", "ada",
                             "--steps", "1", "--out", str(tmp_path), "--quiet"], capture_output=True, text=True,
                            timeout=120, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 1 and "works on images" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("model, data", [("dcgan", "shapes"), ("cgan", "digits"), ("wgan-gp", "shapes")])
def test_image_families_train_with_diffaugment(model: str, data: str, tmp_path) -> None:
    run = train(model, data, out=tmp_path, steps=4, augment="diffaugment", **TINY)
    metrics = run.metrics_path.read_text()
    assert run.status == "finished" and "loss_D" in metrics and "NaN" not in metrics


def test_ada_p_is_logged_checkpointed_and_resumed_exactly(tmp_path) -> None:
    """p is adjusted every 4 reports and the checkpoint falls at step 5, mid-interval: the
    partial sign count and the scores seen since the last adjustment are in it, and a
    restore that lost them would give another r_t (and p) at step 8."""
    target = 0.01
    settings = dict(TINY, augment="ada", ada_kimg=0.05, ada_interval=4, ada_target=target, log_every=1)
    straight = train("dcgan", "shapes", out=tmp_path / "a", steps=10, **settings)
    first = train("dcgan", "shapes", out=tmp_path / "b", steps=5, **settings)
    mid = torch.load(first.dir / "checkpoints" / "last.pt", weights_only=True)["augment"]
    assert mid["reports"] == 5 and mid["seen"] == 8  # one report of 8 real scores into an interval
    resumed = train(resume=first.dir, steps=10, quiet=True)
    ends = [torch.load(r.dir / "checkpoints" / "last.pt", weights_only=True) for r in (straight, resumed)]
    for key in ("p", "r_t", "signs", "seen", "reports"):
        assert torch.equal(torch.as_tensor(ends[0]["augment"][key]), torch.as_tensor(ends[1]["augment"][key])), key
    assert ends[0]["augment_by_rank"] == {"0": ends[0]["augment"]}
    for key, value in ends[0]["nets"]["G"].items():  # same transforms drawn after the resume
        assert torch.equal(value, ends[1]["nets"]["G"][key]), key
    # p followed the rule at each adjustment (steps 4 and 8: 4 reports of 8 real scores each)
    rows = [json.loads(line) for line in straight.metrics_path.read_text().splitlines()]
    expected = 0.0
    for row in rows:
        if row["step"] % 4 == 0:
            expected = min(1.0, max(0.0, expected + math.copysign(32 / 50, row["aug_rt"] - target)))
        assert row["aug_p"] == pytest.approx(expected), row
    assert ends[0]["augment"]["p"] == pytest.approx(expected)
    assert expected > 0  # D is sure of the reals by step 4 (r_t 0.31, then 0.75), so p rose


def test_each_rank_resumes_its_own_ada_partial_sums() -> None:
    """Under DDP the sign counts are per rank until the next all-reduce: each rank restores its own."""
    from ganzoo.training.state import augment_state

    ranks = {"0": {"p": 0.3, "signs": 5.0, "seen": 8, "reports": 1}, "1": {"p": 0.3, "signs": -2.0, "seen": 8, "reports": 1}}
    saved = {"augment": ranks["0"], "augment_by_rank": ranks}
    assert augment_state(saved, 0) == ranks["0"] and augment_state(saved, 1) == ranks["1"]
    assert augment_state(saved, 2) == {**ranks["0"], "signs": 0.0, "seen": 0}  # a rank the saved run lacked
    assert augment_state({"augment": ranks["0"]}, 1) == ranks["0"]  # a checkpoint from before per-rank entries
    assert augment_state({}, 0) == {}


@pytest.mark.slow  # one 2-process run of a small conv GAN: about 20 s on a loaded 2-core CPU
def test_a_ddp_checkpoint_keeps_every_ranks_ada_state(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "ganzoo", "train", "dcgan", "--data", "shapes", "--steps", "5",
                             "--batch-size", "8", "--set", "width=8", "--set", "threads=1", "--device", "cpu",
                             "--augment", "ada", "--set", "ada_interval=4", "--set", "ada_kimg=0.05",
                             "--nproc", "2", "--out", str(tmp_path / "runs"), "--quiet"],
                            capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = (tmp_path / "runs").iterdir()
    saved = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    by_rank = saved["augment_by_rank"]
    assert sorted(by_rank) == ["0", "1"] and all(by_rank[r]["seen"] == 8 for r in by_rank)  # mid-interval
    assert torch.equal(by_rank["0"]["p"], by_rank["1"]["p"])  # one p, from the all-reduced counts
    assert saved["augment"] == by_rank["0"]  # rank 0's, for readers that know one state


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory):
    return train("cgan", "digits", out=tmp_path_factory.mktemp("cgan"), steps=1, **TINY)


def tiles(path, size: int) -> tuple[int, int]:
    """(rows, columns) of a saved grid of ``size``-pixel images (torchvision's 2-pixel padding)."""
    width, height = Image.open(path).size
    assert (width - 2) % (size + 2) == 0 and (height - 2) % (size + 2) == 0
    return (height - 2) // (size + 2), (width - 2) // (size + 2)


def test_sample_grid_has_one_row_per_label(cgan_run, tmp_path) -> None:
    size = cgan_run.data_info.image_size
    assert tiles(ganzoo.sample_grid(cgan_run.dir, tmp_path / "a.png", labels=[1, 4, 7], per_label=5), size) == (3, 5)
    assert tiles(ganzoo.sample_grid(cgan_run.dir, tmp_path / "b.png", per_label=2), size) == (10, 2)
    assert tiles(ganzoo.sample_grid(cgan_run.dir, tmp_path / "c.png", n=12, labels=[2, 2, 2, 5, 5, 5]), size) == (4, 3)
    assert tiles(ganzoo.sample_grid(cgan_run.dir, tmp_path / "d.png", n=20, nrow=4), size) == (5, 4)
    assert len(ganzoo.sample(cgan_run.dir, labels=[0, 9], per_label=3)) == 6


def test_cli_sample_per_label_and_nrow(cgan_run, tmp_path) -> None:
    from ganzoo.cli.sample import sample_cmd

    size, runner = cgan_run.data_info.image_size, CliRunner()
    result = runner.invoke(sample_cmd, [str(cgan_run.dir), "--labels", "0,1,2,3", "--per-label", "6",
                                        "--out", str(tmp_path / "g.png")])
    assert result.exit_code == 0, result.output
    assert tiles(tmp_path / "g.png", size) == (4, 6) and "wrote 24 images" in result.output
    result = runner.invoke(sample_cmd, [str(cgan_run.dir), "-n", "9", "--nrow", "3", "--out", str(tmp_path / "h.png")])
    assert result.exit_code == 0 and tiles(tmp_path / "h.png", size) == (3, 3)
    clash = runner.invoke(sample_cmd, [str(cgan_run.dir), "-n", "5", "--per-label", "2", "--out", str(tmp_path / "x.png")])
    assert clash.exit_code == 2 and "does not match --per-label" in clash.output
