"""DCGAN: the paper's architecture rules, at 32 and 64 px, 1 and 3 channels."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.nn.base import DataInfo


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
def test_dcgan_learns_shapes(tmp_path) -> None:
    """Defaults (width 32, lr 4e-4, 3,000 steps; 9-16 min on one busy thread): the Fréchet
    distance in the shapes classifier's features falls from 1,834 at initialisation to within
    170x of real-vs-real (2.88). Five seeds measured 59, 147, 54, 57 and 59x (docs/models.md):
    the bound covers the worst, because a CI machine's arithmetic sends seed 0 down a
    trajectory of its own, as good or as bad as any seed's."""
    import ganzoo.data as gdata
    from ganzoo.metrics.features import get_extractor
    from ganzoo.metrics.scores import fid
    from ganzoo.nn.build import build_model

    data = gdata.load("shapes")
    features = get_extractor("classifier", data)
    real = features(data.test.batch(torch.arange(2_000))[0])
    real_vs_real = fid(real, features(data.train.batch(torch.arange(2_000))[0]))
    run = ganzoo.train("dcgan", "shapes", out=tmp_path, quiet=True, sample_every=10**6, checkpoint_every=10**6)
    torch.manual_seed(run.config["seed"])  # the generator exactly as training started from it
    untrained = build_model(ganzoo.get_spec("dcgan"), run.config, run.data_info).G.eval()
    with torch.no_grad():
        initial = fid(real, features(untrained(torch.randn(2_000, 100, generator=torch.Generator().manual_seed(5)))))
    trained = fid(real, features(ganzoo.sample(run.dir, 2_000, seed=5)))
    print(f"dcgan on shapes: FD {initial:.1f} -> {trained:.1f} ({initial / trained:.1f}x); real-vs-real {real_vs_real:.2f}")
    assert initial / trained >= 3.5, (initial, trained)
    assert trained <= 170 * real_vs_real, (trained, real_vs_real)


def test_spectral_norm_discriminator_and_its_own_learning_rate() -> None:
    """d_norm="spectral": every convolution of D, first and last included, is divided by its
    largest singular value and no batch norm is left; lr_d gives D its own Adam rate (TTUR)."""
    from torch.nn.utils import parametrize
    from ganzoo_dcgan.model import DCGAN

    config = {**ganzoo.get_spec("dcgan").defaults, "d_norm": "spectral", "lr": 1e-4, "lr_d": 4e-4,
              "beta1": 0.0, "beta2": 0.9}
    model = DCGAN(config, DataInfo("x", "images", 32, 3))
    convs = [m for m in model.D.modules() if isinstance(m, nn.Conv2d)]
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
