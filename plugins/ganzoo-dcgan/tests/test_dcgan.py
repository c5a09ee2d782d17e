"""DCGAN: the paper's architecture rules, at 32 and 64 px, 1 and 3 channels."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.plugin import DataInfo
from ganzoo.testing import fixed_run, judge_images, step_context


def build(size: int, channels: int):
    from ganzoo_dcgan.model import DCGAN

    return DCGAN(dict(ganzoo.get_spec("dcgan").defaults), DataInfo("x", "images", size, channels))


@pytest.mark.parametrize("size, channels, stages", [(32, 1, 3), (32, 3, 3), (64, 3, 4), (64, 1, 4)])
def test_shapes_and_strided_stages(size: int, channels: int, stages: int) -> None:
    model = build(size, channels)
    with torch.no_grad():
        images = model.G(torch.randn(5, 100))
        assert images.shape == (5, channels, size, size) and images.abs().max() <= 1  # tanh output
        assert model.D(images).shape == (5, 1)
    strided_g = [m for m in model.G.modules() if isinstance(m, nn.ConvTranspose2d) and m.stride == (2, 2)]
    strided_d = [m for m in model.D.modules() if isinstance(m, nn.Conv2d) and m.stride == (2, 2)]
    assert len(strided_g) == len(strided_d) == stages
    assert not any(isinstance(m, (nn.Linear, nn.MaxPool2d)) for m in model.G.modules())  # no FC, no pooling
    assert not any(isinstance(m, (nn.Linear, nn.MaxPool2d)) for m in model.D.modules())


@pytest.mark.parametrize("size, stages", [(32, 3), (64, 4)])
def test_resize_upsampling_draws_every_stage_with_3x3_convolutions(size: int, stages: int) -> None:
    """g_upsample=resize: nearest-neighbour upsampling and a 3x3 convolution per stage, no
    strided transposed convolution, the same image shape and range."""
    from ganzoo_dcgan.model import DCGAN

    config = {**ganzoo.get_spec("dcgan").defaults, "g_upsample": "resize"}
    model = DCGAN(config, DataInfo("x", "images", size, 3))
    with torch.no_grad():
        images = model.G(torch.randn(4, 100))
    assert images.shape == (4, 3, size, size) and images.abs().max() <= 1
    assert sum(isinstance(m, nn.Upsample) for m in model.G.modules()) == stages
    assert not any(isinstance(m, nn.ConvTranspose2d) and m.stride == (2, 2) for m in model.G.modules())
    with pytest.raises(ValueError, match="upsample must be transposed or resize"):
        DCGAN({**config, "g_upsample": "bilinear"}, DataInfo("x", "images", size, 3))


def test_batch_norm_placement_activations_and_init() -> None:
    model = build(64, 3)
    g_layers, d_layers = list(model.G.body.net), list(model.D.body.net)
    assert isinstance(g_layers[-1], nn.Tanh) and isinstance(g_layers[-2], nn.ConvTranspose2d)  # no BN at G's output
    assert isinstance(d_layers[1], nn.LeakyReLU) and d_layers[1].negative_slope == 0.2  # no BN at D's input
    assert any(isinstance(m, nn.ReLU) for m in g_layers) and any(isinstance(m, nn.BatchNorm2d) for m in d_layers)
    weights = torch.cat([m.weight.detach().flatten() for m in model.G.modules() if isinstance(m, nn.ConvTranspose2d)])
    assert abs(weights.std().item() - 0.02) < 0.002 and abs(weights.mean().item()) < 0.002


def test_unsupported_size_says_what_to_do() -> None:
    with pytest.raises(ValueError, match="--image-size 32 or 64"):
        build(48, 3)


@pytest.mark.slow
def test_dcgan_learns_digits(tmp_path) -> None:
    """A cheap learning check (about 25 s on one thread in fp32): a width-16 DCGAN trains 600
    steps on the 8x8 handwritten digits at 32 px, with the defaults' lazy R1 and InfoGAN code.
    Measured on seeds 0-2: Frechet distance in the digits classifier's features 2.5-3.4x
    real-vs-real, 41-54 % of samples recognised with confidence >= 0.9, 7-10 digits drawn; the
    samples of one code span 1.8-2.8 digits on average (6.5 with info_weight=0: a code nobody
    rewards is ignored). With G's loss sign flipped: 33x, one digit. fp32 on one thread, so every
    CPU kind follows the same arithmetic. bench/quality.py measures the long runs on shapes."""
    run = fixed_run("dcgan", "digits", tmp_path, 600, width=16, ema=False)  # the live G: what was learned
    judged = judge_images(ganzoo.sample(run.dir, 1_000, seed=5), "digits")
    print(f"dcgan on digits: {judged}")
    assert judged["fd_ratio"] <= 10 and judged["recognised"] >= 0.2 and judged["classes"] >= 6, judged
    spans = [judge_images(ganzoo.sample(run.dir, 200, code=code, seed=7), "digits")["classes"]  # `ganzoo sample --code`
             for code in range(ganzoo.load(run.dir).codes)]
    print(f"digits drawn by each code: {spans}")
    assert sum(spans) / len(spans) <= 4, spans  # a code draws a digit or two, not all of them


def test_spectral_norm_discriminator_and_its_own_learning_rate() -> None:
    """d_norm="spectral": every convolution of D, first and last included, is divided by its
    largest singular value and no batch norm is left; lr_d gives D its own Adam rate (TTUR)."""
    from torch.nn.utils import parametrize
    from ganzoo_dcgan.model import DCGAN

    torch.manual_seed(0)  # the weights and the power iteration's start (unseeded, one layer was at 1.06 after 30)
    config = {**ganzoo.get_spec("dcgan").defaults, "d_norm": "spectral", "lr": 1e-4, "lr_d": 4e-4,
              "beta1": 0.0, "beta2": 0.9}
    model = DCGAN(config, DataInfo("x", "images", 32, 3))
    convs = [m for m in model.D.body.modules() if isinstance(m, nn.Conv2d)]  # the score path; Q is not
    assert len(convs) == 4 and all(parametrize.is_parametrized(m, "weight") for m in convs)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.D.modules())
    stored = torch.cat([m.parametrizations.weight.original.detach().flatten() for m in convs])
    assert abs(stored.std().item() - 0.02) < 0.002  # the DCGAN initialisation reached the stored weights
    model.D.train()
    for _ in range(30):  # each forward pass in training mode runs one power iteration
        model.D(torch.randn(2, 3, 32, 32))
    sigmas = [torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2).item() for m in convs]
    assert all(abs(s - 1) < 0.05 for s in sigmas), sigmas
    optimizers = model.build_optimizers()
    assert optimizers["G"].defaults["lr"] == 1e-4 and optimizers["D"].defaults["lr"] == 4e-4
    assert optimizers["D"].defaults["betas"] == (0.0, 0.9)


def test_lazy_r1_is_taken_every_kth_step_weighted_k_times() -> None:
    """r1_every=K: D's loss carries the R1 term only on steps that are multiples of K, at K
    times its weight, so on average it is the every-step penalty at a K-th of the cost."""
    from ganzoo_dcgan.model import DCGAN

    real = torch.rand(8, 1, 32, 32) * 2 - 1

    def loss_d(step: int, **settings) -> float:
        torch.manual_seed(0)  # the same nets, the same z
        model = DCGAN({**ganzoo.get_spec("dcgan").defaults, "width": 8, **settings}, DataInfo("x", "images", 32, 1))
        model.build_optimizers()
        return model.train_step(real.clone(), step_context(step))["loss_D"].item()

    plain = loss_d(4, r1=0.0)
    every_step = loss_d(4, r1=2.0, r1_every=1) - plain
    assert every_step > 0  # the penalty is there, and positive
    assert loss_d(5, r1=2.0, r1_every=4) == pytest.approx(plain)  # an off step: no penalty
    assert loss_d(4, r1=2.0, r1_every=4) - plain == pytest.approx(4 * every_step, rel=1e-4)


def test_infogan_code_is_read_from_z_steers_g_and_q_reads_it_from_d_features() -> None:
    """codes=K: each latent's code is the largest of its first K components (uniform over K, so
    latents stay N(0, I)); G sees it one-hot beside z; Q's logits come from the features D scores
    from, in the same pass. With info_weight 0 there is no Q to train."""
    from ganzoo_dcgan.model import DCGAN

    settings = {**ganzoo.get_spec("dcgan").defaults, "width": 8, "codes": 4, "info_weight": 1.0}
    model = DCGAN(settings, DataInfo("x", "images", 32, 1))
    z = torch.randn(40_000, 100)
    shares = torch.bincount(model.G.code_of(z), minlength=4) / len(z)
    assert torch.allclose(shares, torch.full((4,), 0.25), atol=0.01)
    model.G.eval(), model.D.eval()
    z = z[:6]
    with torch.no_grad():
        one_hot = nn.functional.one_hot(z[:, :4].argmax(1), 4).float()
        images = model.G(z)
        assert torch.equal(images, model.G.body(torch.cat([z, one_hot], 1)))
        scores, logits = model.D.scores_and_codes(images)
        assert torch.equal(scores, model.D(images)) and logits.shape == (6, 4)
    assert not hasattr(DCGAN({**settings, "info_weight": 0.0}, DataInfo("x", "images", 32, 1)).D, "q_head")
    with pytest.raises(ValueError, match="codes must be between 0"):
        DCGAN({**settings, "codes": -1}, DataInfo("x", "images", 32, 1))


def test_the_code_term_enters_both_steps_and_moves_g() -> None:
    """With info_weight w, G's loss carries w times Q's cross-entropy (about log K before Q has
    learned anything) and G's gradients change with it; D's loss carries it too, so Q learns."""
    from ganzoo_dcgan.model import DCGAN

    real = torch.rand(16, 1, 32, 32) * 2 - 1

    def step(weight: float):
        torch.manual_seed(0)  # the same nets, Q included, and the same z
        model = DCGAN({**ganzoo.get_spec("dcgan").defaults, "width": 8, "codes": 4, "r1": 0.0},
                      DataInfo("x", "images", 32, 1))
        model.config["info_weight"] = weight
        model.build_optimizers()
        figures = model.train_step(real.clone(), step_context(1))
        return figures, torch.cat([p.grad.flatten() for p in model.G.parameters()])

    (plain, plain_grad), (coded, coded_grad) = step(0.0), step(1.0)
    assert "code_loss" not in plain and abs(coded["code_loss"].item() - math.log(4)) < 0.3
    assert coded["loss_G"].item() - plain["loss_G"].item() == pytest.approx(coded["code_loss"].item(), abs=0.05)
    assert coded["loss_D"].item() - plain["loss_D"].item() > 0.5 * math.log(4)  # Q's term in D's step
    assert not torch.allclose(coded_grad, plain_grad)  # the term reaches G, not detached
