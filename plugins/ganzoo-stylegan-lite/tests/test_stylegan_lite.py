"""StyleGAN-lite's parts, each checked against what the papers say it does."""

from __future__ import annotations

import math

import pytest
import torch

import ganzoo
from ganzoo.plugin import DataInfo, StyleGenerator
from ganzoo.testing import step_context
from ganzoo_stylegan_lite.layers import EqualLinear, ModulatedConv2d, minibatch_stddev
from ganzoo_stylegan_lite.model import StyleGANLite
from ganzoo_stylegan_lite.nets import MappingNetwork, StyleGANGenerator

TINY = {"width": 8, "max_width": 16, "latent_dim": 16, "mapping_layers": 2}


def build(size: int = 32, channels: int = 3, **over) -> StyleGANLite:
    config = {**ganzoo.get_spec("stylegan-lite").defaults, **TINY, **over}
    return StyleGANLite(config, DataInfo("x", "images", size, channels))


@pytest.mark.parametrize("size, num_ws", [(16, 6), (32, 8), (64, 10)])
def test_shapes_and_one_style_per_layer(size: int, num_ws: int) -> None:
    model = build(size)
    assert model.G.num_ws == num_ws  # 2 log2(size) - 2
    model.G.eval()
    with torch.no_grad():
        images = model.G(torch.randn(5, 16))
    assert images.shape == (5, 3, size, size) and images.abs().max() <= 1
    assert model.D(images).shape == (5, 1)


def test_256px_nets_run_forward_and_backward() -> None:
    """The largest configuration builds, and one training step's gradients reach every parameter."""
    torch.manual_seed(0)
    model = build(256, width=4, max_width=32)
    model.build_optimizers()
    figures = model.train_step(torch.rand(2, 3, 256, 256) * 2 - 1, step_context(16))  # step 16: R1 included
    assert all(torch.isfinite(v) for v in figures.values())
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.G.parameters())
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.D.parameters())


def test_unsupported_size_says_what_to_do() -> None:
    with pytest.raises(ValueError, match="--image-size 32"):
        build(48)


def test_equalised_learning_rate_and_the_mapping_multiplier() -> None:
    """Weights are stored as N(0, 1) / lr_mul and scaled at run time, so outputs keep unit variance."""
    torch.manual_seed(0)
    layer = EqualLinear(512, 512)
    assert abs(layer.weight.std().item() - 1) < 0.01
    assert abs(layer(torch.randn(4096, 512)).std().item() - 1) < 0.05
    slow = EqualLinear(512, 512, lr_mul=0.01)
    assert abs(slow.weight.std().item() - 100) < 1  # a step of Adam moves it 1/100 as far in effect
    mapping = MappingNetwork(64, 64, 8, 0.01)
    w = mapping(torch.randn(2048, 64))
    assert 0.3 < w.std().item() < 3  # eight layers deep, activations neither vanish nor explode


def test_fused_and_unfused_modulated_convolutions_agree() -> None:
    """The grouped-convolution trick (one call for the batch) equals scaling activations."""
    torch.manual_seed(0)
    fused = ModulatedConv2d(8, 12, 16, 3, up=True, fused=True)
    plain = ModulatedConv2d(8, 12, 16, 3, up=True, fused=False)
    plain.load_state_dict(fused.state_dict())
    x, w = torch.randn(5, 8, 6, 6), torch.randn(5, 16)
    assert torch.allclose(fused(x, w), plain(x, w), atol=1e-5)
    no_demod = ModulatedConv2d(8, 4, 16, 1, demodulate=False, fused=True)
    twin = ModulatedConv2d(8, 4, 16, 1, demodulate=False, fused=False)
    twin.load_state_dict(no_demod.state_dict())
    assert torch.allclose(no_demod(x, w), twin(x, w), atol=1e-5)


def test_demodulation_restores_unit_variance_whatever_the_style() -> None:
    torch.manual_seed(0)
    conv = ModulatedConv2d(64, 64, 16, 3, fused=False)
    x = torch.randn(4, 64, 16, 16)
    for scale in (0.1, 1.0, 10.0):  # styles of any size
        with torch.no_grad():
            conv.affine.bias.fill_(scale)
            out = conv(x, torch.zeros(4, 16))
        assert 0.8 < out[:, :, 1:-1, 1:-1].std().item() < 1.2, scale


def test_minibatch_stddev_sees_a_collapsed_batch() -> None:
    varied, collapsed = torch.randn(8, 4, 4, 4), torch.randn(1, 4, 4, 4).repeat(8, 1, 1, 1)
    assert minibatch_stddev(varied).shape == (8, 5, 4, 4)
    assert minibatch_stddev(varied)[:, 4].min() > 0.5 and minibatch_stddev(collapsed)[:, 4].abs().max() < 1e-3


def test_truncation_pulls_towards_w_avg_and_mixing_swaps_the_fine_layers() -> None:
    torch.manual_seed(0)
    g = build().G
    g.train()
    g(torch.randn(64, 16))  # training forwards move the running mean of w
    assert g.w_avg.abs().sum() > 0
    before = g.w_avg.clone()
    g.eval()
    with torch.no_grad():
        z, z2 = torch.randn(4, 16), torch.randn(4, 16)
        g(z)
        assert torch.equal(g.w_avg, before)  # eval forwards leave it alone
        average = g(z, truncation=0.0)
        assert torch.allclose(average, g.synthesis(g.broadcast(g.w_avg.expand(4, -1)))) and torch.allclose(average[0], average[3])
        assert torch.equal(g(z, truncation=1.0), g(z))
        w, w2 = g.mapping(z), g.mapping(z2)
        mixed = g(z, mix_z=z2, crossover=3)
        ws = torch.cat([g.broadcast(w)[:, :3], g.broadcast(w2)[:, 3:]], dim=1)
        assert torch.allclose(mixed, g.synthesis(ws))
    with pytest.raises(ValueError, match="crossover must be a layer between 1 and 7"):
        g(z, mix_z=z2, crossover=8)


def test_noise_is_fixed_at_sampling_and_fresh_in_training() -> None:
    torch.manual_seed(0)
    g = build().G
    for layer in g.modules():
        if hasattr(layer, "strength"):
            layer.strength.data.fill_(1.0)
    z = torch.randn(2, 16)
    g.eval()
    with torch.no_grad():
        assert torch.equal(g(z), g(z))
        g.train()
        assert not torch.equal(g(z), g(z))


def test_lazy_r1_runs_every_r1_every_steps_and_style_mixing_is_used() -> None:
    torch.manual_seed(0)
    model = build(16, r1_every=4, mixing_prob=0.9)
    model.build_optimizers()
    calls, mixes = [], []
    penalty, forward = model.r1_penalty, model.G.forward
    model.r1_penalty = lambda real, *rest: calls.append(1) or penalty(real, *rest)
    model.G.forward = lambda z, labels=None, **kw: mixes.append("mix_z" in kw) or forward(z, labels, **kw)
    real = torch.rand(4, 3, 16, 16) * 2 - 1
    for step in range(1, 9):
        model.train_step(real, step_context(step))
    assert len(calls) == 2  # steps 4 and 8
    assert 0.6 < sum(mixes) / len(mixes) < 1  # 16 generator calls, about 90 % of them mixed


def test_lazy_regularisation_scales_adam() -> None:
    model = build(16, r1_every=16, lr=0.002)
    opts = model.build_optimizers()
    c = 16 / 17
    assert math.isclose(opts["D"].param_groups[0]["lr"], 0.002 * c)
    assert math.isclose(opts["D"].param_groups[0]["betas"][1], 0.99**c)
    assert math.isclose(opts["G"].param_groups[0]["lr"], 0.002)  # no path-length term by default


def test_generator_is_a_style_generator_with_a_saved_w_avg() -> None:
    g = build().G
    assert isinstance(g, StyleGenerator) and "w_avg" in g.state_dict()
    assert isinstance(StyleGANGenerator(16, 3, 32), StyleGenerator)
