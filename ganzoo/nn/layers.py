"""Layers the model families share: MLPs, and the all-convolutional stacks of DCGAN
(Radford et al. 2015) that WGAN, WGAN-GP and the convolutional CGAN reuse.

DCGAN's rules, as the paper lists them: strided convolutions instead of pooling
(transposed convolutions in G), batch norm in both nets except G's output and D's
input layers, ReLU in G with tanh at the output, LeakyReLU(0.2) in D, no fully
connected hidden layers, weights drawn from N(0, 0.02).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn.utils import parametrize

LEAK = 0.2
#: how ConvGenerator doubles the resolution: DCGAN's transposed convolutions, or upsampling + 3x3 convolution
UPSAMPLING = ("transposed", "resize")


def mlp(sizes: Sequence[int], activation: type[nn.Module] = nn.LeakyReLU, final: nn.Module | None = None,
        dropout: float = 0.0) -> nn.Sequential:
    """Linear layers of the given sizes with ``activation`` between them."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation(LEAK) if activation is nn.LeakyReLU else activation())
            if dropout:
                layers.append(nn.Dropout(dropout))
    if final is not None:
        layers.append(final)
    return nn.Sequential(*layers)


def _levels(image_size: int) -> int:
    """Stride-2 stages between 4x4 and the image: 3 for 32 px, 4 for 64 px."""
    levels = {16: 2, 32: 3, 64: 4, 128: 5}.get(image_size)
    if levels is None:
        raise ValueError(f"convolutional nets take 16, 32, 64 or 128 px images, not {image_size}; "
                         "train with --image-size 32 or 64")
    return levels


class ConvGenerator(nn.Module):
    """DCGAN generator: a latent vector (N, nz) -> image (N, C, S, S) in [-1, 1].

    4x4 transposed convolution from the latent, then stride-2 transposed
    convolutions halving the width while doubling the resolution, batch norm + ReLU
    after each but the last, tanh at the output.

    ``upsample="resize"`` doubles the resolution by nearest-neighbour upsampling and a 3x3
    convolution instead (Odena, Dumoulin & Olah 2016, "Deconvolution and Checkerboard
    Artifacts"); the last stage keeps its width, so the image's own resolution has features
    and a nonlinearity of its own, and a 3x3 convolution draws the channels from them. Told
    exactly what to draw, this stack's drawings are named as shapes twice as often as the
    transposed one's after 6,000 steps, though both then level off (docs/dcgan-shapes.md).
    """

    def __init__(self, nz: int, channels: int, image_size: int, width: int = 64, upsample: str = "transposed") -> None:
        super().__init__()
        if upsample not in UPSAMPLING:
            raise ValueError(f"upsample must be {' or '.join(UPSAMPLING)}, not {upsample!r}")
        levels = _levels(image_size)
        widths = [width * 2 ** (levels - 1 - i) for i in range(levels)]  # e.g. 512, 256, 128, 64
        layers: list[nn.Module] = [nn.ConvTranspose2d(nz, widths[0], 4, 1, 0, bias=False),
                                   nn.BatchNorm2d(widths[0]), nn.ReLU(True)]
        if upsample == "resize":
            for a, b in zip(widths, [*widths[1:], widths[-1]]):
                layers += [nn.Upsample(scale_factor=2), nn.Conv2d(a, b, 3, 1, 1, bias=False), nn.BatchNorm2d(b),
                           nn.ReLU(True)]
            layers += [nn.Conv2d(widths[-1], channels, 3, 1, 1), nn.Tanh()]
        else:
            for a, b in zip(widths[:-1], widths[1:]):
                layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
            layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(len(z), -1, 1, 1))


class ConvDiscriminator(nn.Module):
    """DCGAN discriminator: image -> one score per image.

    Stride-2 convolutions doubling the width, LeakyReLU(0.2), normalisation on every
    layer but the first (``norm``: ``batch`` as in DCGAN, ``layer`` or ``none`` for
    WGAN-GP critics, whose penalty is per sample and must not mix samples), then a
    4x4 convolution to a single score. ``spectral`` (Miyato et al. 2018) instead divides
    every convolution's weight, the first and last included, by its largest singular
    value (one power iteration per step): D is then about 1-Lipschitz per layer, which
    keeps its gradients to G informative without mixing samples as batch norm does.
    """

    def __init__(self, channels: int, image_size: int, width: int = 64, norm: str = "batch") -> None:
        super().__init__()
        levels = _levels(image_size)
        widths = [width * 2**i for i in range(levels)]  # e.g. 64, 128, 256, 512
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(LEAK, True)]
        size = image_size // 2
        for a, b in zip(widths[:-1], widths[1:]):
            size //= 2
            layers += [nn.Conv2d(a, b, 4, 2, 1, bias=norm != "batch"), _norm(norm, b, size), nn.LeakyReLU(LEAK, True)]
        layers += [nn.Conv2d(widths[-1], 1, 4, 1, 0, bias=False), nn.Flatten()]
        if norm == "spectral":
            for layer in layers:
                if isinstance(layer, nn.Conv2d):
                    nn.utils.parametrizations.spectral_norm(layer)
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _norm(kind: str, channels: int, size: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # layer norm over (C, H, W), per sample
    if kind in ("none", "spectral"):  # spectral: the convolutions carry it (ConvDiscriminator)
        return nn.Identity()
    raise ValueError(f"norm must be batch, layer, spectral or none, not {kind!r}")


def init_dcgan(module: nn.Module) -> None:
    """N(0, 0.02) weights for convolutions; N(1, 0.02) scales and zero shifts for norms."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            # a spectrally normalised weight is computed from the stored one: initialise that
            weight = m.parametrizations.weight.original if parametrize.is_parametrized(m, "weight") else m.weight
            nn.init.normal_(weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def images_of(batch: Any) -> torch.Tensor:
    """The samples of a batch, whether it carries labels or not."""
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def sample_shape(data: Any) -> tuple[int, ...]:
    """(2,) for points, (C, S, S) for images."""
    if data.kind == "points-2d":
        return (2,)
    return (data.channels, data.image_size, data.image_size)
