"""StyleGAN-lite's generator and discriminator (StyleGAN2's architecture, small).

Generator
    z -> **mapping network** (pixel norm, 8 equalised-lr linear layers at lr x 0.01)
    -> w. A **learned constant** 4x4 input goes through **styled layers**: a modulated
    3x3 convolution, noise, bias and LeakyReLU, two per resolution (the first one
    upsamples). Each resolution also has a **toRGB** layer (a modulated 1x1
    convolution without demodulation) whose output is added to the upsampled image
    so far: the skip architecture, where coarse resolutions draw the broad layout and
    colours and fine ones add detail.

    Every styled layer and toRGB reads its own w from ``ws`` (N, num_ws, w_dim), coarse
    to fine: at 32 px, ws[0] styles the 4x4 convolution, ws[1] the 4x4 toRGB and the
    first 8x8 convolution, and so on up to ws[7]: num_ws = 2 log2(size) - 2. Giving
    layers different w's is style mixing.

Discriminator
    fromRGB, then **residual blocks** (two 3x3 convolutions, the second halving the
    resolution, plus a 1x1 skip, summed and scaled by 1/sqrt 2) down to 4x4, a
    **minibatch standard deviation** feature, a 3x3 convolution and two linear layers
    to one logit.

Widths: ``width`` feature maps at the image's resolution, doubling at each halving up
to ``max_width``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.plugin import Discriminator, StyleGenerator
from ganzoo_stylegan_lite.layers import (
    EqualConv2d,
    EqualLinear,
    ModulatedConv2d,
    NoiseInput,
    lrelu,
    minibatch_stddev,
)

SIZES = (16, 32, 64, 128, 256)


def check_size(image_size: int) -> int:
    """The number of upsampling blocks from 4x4 to ``image_size``."""
    if image_size not in SIZES:
        raise ValueError(f"stylegan-lite draws {', '.join(map(str, SIZES))} px images, not {image_size}; "
                         "train with --image-size 32 (or 64, 128, 256)")
    return int(math.log2(image_size)) - 2


def widths(image_size: int, width: int, max_width: int) -> dict[int, int]:
    """Feature maps per resolution: ``width`` at the image's, doubling per halving, capped."""
    return {4 * 2**i: min(max_width, width * image_size // (4 * 2**i)) for i in range(check_size(image_size) + 1)}


class MappingNetwork(nn.Module):
    """z -> w: pixel norm, then ``layers`` equalised-lr linear layers with LeakyReLU."""

    def __init__(self, latent_dim: int, w_dim: int, layers: int, lr_mul: float) -> None:
        super().__init__()
        sizes = [latent_dim] + [w_dim] * layers
        self.net = nn.Sequential(*[EqualLinear(a, b, lr_mul=lr_mul, activate=True) for a, b in zip(sizes, sizes[1:])])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)  # z on the unit sphere's scale
        return self.net(z)


class StyledLayer(nn.Module):
    """Modulated 3x3 convolution, noise, bias, LeakyReLU."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, *, up: bool, fused: bool) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, w_dim, 3, up=up, fused=fused)
        self.noise = NoiseInput(resolution)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        x = self.noise(self.conv(x, w))
        return lrelu(x + self.bias.to(x.dtype)[None, :, None, None])


class ToRGB(nn.Module):
    """Modulated 1x1 convolution to the image's channels (no demodulation) plus bias."""

    def __init__(self, in_channels: int, channels: int, w_dim: int, *, fused: bool) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, channels, w_dim, 1, demodulate=False, fused=fused)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias.to(x.dtype)[None, :, None, None]


class StyleGANGenerator(StyleGenerator):
    def __init__(self, latent_dim: int, channels: int, image_size: int, *, width: int = 64, max_width: int = 256,
                 mapping_layers: int = 8, mapping_lr_mul: float = 0.01, fused_modconv: bool = True) -> None:
        blocks = check_size(image_size)
        super().__init__(latent_dim, w_dim=latent_dim, num_ws=2 * blocks + 2, channels=channels,
                         image_size=image_size, width=width, max_width=max_width, mapping_layers=mapping_layers,
                         mapping_lr_mul=mapping_lr_mul, fused_modconv=fused_modconv)
        ch = widths(image_size, width, max_width)
        self.mapping_net = MappingNetwork(latent_dim, latent_dim, mapping_layers, mapping_lr_mul)
        self.const = nn.Parameter(torch.randn(1, ch[4], 4, 4))
        self.first = StyledLayer(ch[4], ch[4], latent_dim, 4, up=False, fused=fused_modconv)
        self.first_rgb = ToRGB(ch[4], channels, latent_dim, fused=fused_modconv)
        self.blocks = nn.ModuleList()
        for i in range(1, blocks + 1):
            res = 4 * 2**i
            self.blocks.append(nn.ModuleDict({
                "conv0": StyledLayer(ch[res // 2], ch[res], latent_dim, res, up=True, fused=fused_modconv),
                "conv1": StyledLayer(ch[res], ch[res], latent_dim, res, up=False, fused=fused_modconv),
                "rgb": ToRGB(ch[res], channels, latent_dim, fused=fused_modconv),
            }))

    def mapping(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.mapping_net(z)

    def synthesis(self, ws: torch.Tensor) -> torch.Tensor:
        x = self.const.expand(len(ws), -1, -1, -1).to(ws.dtype)
        x = self.first(x, ws[:, 0])
        image = self.first_rgb(x, ws[:, 1])
        for i, block in enumerate(self.blocks):
            x = block["conv0"](x, ws[:, 2 * i + 1])
            x = block["conv1"](x, ws[:, 2 * i + 2])
            image = F.interpolate(image, scale_factor=2, mode="bilinear", align_corners=False) + block["rgb"](x, ws[:, 2 * i + 3])
        # no tanh: StyleGAN's output is linear, so a saturated pixel still has a gradient;
        # samples outside training are clipped to the data's [-1, 1]
        return image if self.training else image.clamp(-1, 1)


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions (the second halves the resolution) plus a 1x1 skip."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3, down=True)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False, activate=False, down=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.skip(x) + self.conv1(self.conv0(x))) / math.sqrt(2)


class StyleGANDiscriminator(Discriminator):
    def __init__(self, channels: int, image_size: int, *, width: int = 64, max_width: int = 256) -> None:
        super().__init__(channels=channels, image_size=image_size, width=width, max_width=max_width)
        ch = widths(image_size, width, max_width)
        self.from_rgb = EqualConv2d(channels, ch[image_size], 1)
        self.blocks = nn.Sequential(*[ResidualBlock(ch[res], ch[res // 2])
                                      for res in sorted(ch, reverse=True) if res > 4])
        self.conv = EqualConv2d(ch[4] + 1, ch[4], 3)
        self.fc = EqualLinear(ch[4] * 16, ch[4], activate=True)
        self.out = EqualLinear(ch[4], 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = self.blocks(self.from_rgb(x))
        x = self.conv(minibatch_stddev(x))
        return self.out(self.fc(x.flatten(1)))

