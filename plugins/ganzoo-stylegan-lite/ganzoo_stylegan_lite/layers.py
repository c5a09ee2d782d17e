"""The layers StyleGAN is made of, in plain PyTorch (no custom CUDA or C++ ops, so the
same code runs on the CPU, CUDA and MPS).

- **Equalised learning rate** (Karras et al. 2018): weights are drawn from N(0, 1)
  and scaled by He's constant at run time, so Adam's per-parameter step moves every
  layer at the same relative speed. ``lr_mul`` slows a layer down further (the
  mapping network trains at 1/100 of the rate).
- **Modulated convolution** (StyleGAN2): a style scales the input channels of the
  kernel, and demodulation rescales each output channel back to unit variance, which
  replaces StyleGAN's AdaIN and its droplet artefacts. Every sample has its own
  kernel; the grouped-convolution trick runs a whole batch as one ``conv2d`` call.
- **Noise inputs** with a learned strength per layer: the stochastic detail (texture,
  exact edges) that styles should not have to encode.
- **Minibatch standard deviation** in D: a feature that tells D how varied a batch
  is, so a generator that collapses is caught.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

#: LeakyReLU slope, and the gain that keeps activations' variance after it
LEAK, ACT_GAIN = 0.2, math.sqrt(2)


def lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, LEAK) * ACT_GAIN


class EqualLinear(nn.Module):
    """A linear layer with equalised learning rate (and an optional lr multiplier)."""

    def __init__(self, in_features: int, out_features: int, *, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activate: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init) / lr_mul))
        self.weight_gain = lr_mul / math.sqrt(in_features)
        self.lr_mul = lr_mul
        self.activate = activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight * self.weight_gain, self.bias * self.lr_mul)
        return lrelu(out) if self.activate else out


class EqualConv2d(nn.Module):
    """A convolution with equalised learning rate; ``down`` halves the resolution first."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, *, bias: bool = True,
                 activate: bool = True, down: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1 / math.sqrt(in_channels * kernel * kernel)
        self.activate, self.down, self.padding = activate, down, kernel // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.down:  # a box filter before subsampling (StyleGAN blurs with [1, 3, 3, 1]; 2x2 averaging is the lite choice)
            x = F.avg_pool2d(x, 2)
        out = F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.padding)
        return lrelu(out) if self.activate else out


class ModulatedConv2d(nn.Module):
    """A convolution whose kernel each sample's style modulates (and demodulates).

    ``fused`` (the default) builds one kernel per sample and runs the batch as a single
    grouped convolution (groups = batch). The unfused form scales the activations
    instead and is mathematically the same; it is kept because it is the faster one on
    some CPUs (``bench/stylegan.py`` measures both) and as the reference in the tests.
    """

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, kernel: int = 3, *,
                 demodulate: bool = True, up: bool = False, fused: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel, kernel))
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)  # styles start at 1: plain convolution
        self.weight_gain = 1 / math.sqrt(in_channels * kernel * kernel)
        self.demodulate, self.up, self.fused, self.padding = demodulate, up, fused, kernel // 2

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.up:  # bilinear upsampling then a 3x3 convolution (the lite form of StyleGAN's transposed conv + blur)
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        styles = self.affine(w)  # (N, in)
        weight = self.weight * self.weight_gain  # (out, in, k, k)
        n, c, h, wd = x.shape
        if self.fused:
            kernels = weight.unsqueeze(0) * styles[:, None, :, None, None]  # (N, out, in, k, k)
            if self.demodulate:
                kernels = kernels * torch.rsqrt(kernels.square().sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
            out = F.conv2d(x.reshape(1, n * c, h, wd), kernels.reshape(-1, c, *weight.shape[2:]),
                           padding=self.padding, groups=n)
            return out.reshape(n, -1, h, wd)
        out = F.conv2d(x * styles[:, :, None, None], weight, padding=self.padding)
        if self.demodulate:  # sum over in and k of (w * s)^2, without building per-sample kernels
            energy = styles.square() @ weight.square().sum(dim=(2, 3)).t()  # (N, out)
            out = out * torch.rsqrt(energy + 1e-8)[:, :, None, None]
        return out


class NoiseInput(nn.Module):
    """Adds per-pixel Gaussian noise times a learned strength (starting at zero).

    Training draws fresh noise; in eval mode a fixed noise image is used, so that a
    seeded sample (a grid, ``ganzoo sample --seed``) is the same image every time."""

    def __init__(self, resolution: int) -> None:
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(()))
        self.register_buffer("fixed", torch.randn(1, 1, resolution, resolution))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype)
        else:
            noise = self.fixed.to(x.dtype)
        return x + noise * self.strength.to(x.dtype)


def minibatch_stddev(x: torch.Tensor, group: int = 4) -> torch.Tensor:
    """Append one feature map: the standard deviation of features across groups of
    ``group`` samples, averaged to a single number per group (Karras et al. 2018)."""
    n, c, h, w = x.shape
    g = min(group, n)
    while n % g:  # a group size that divides the batch
        g -= 1
    y = x.float().reshape(g, -1, c, h, w)
    y = (y - y.mean(dim=0)).square().mean(dim=0).add(1e-8).sqrt()  # (N/g, c, h, w)
    y = y.mean(dim=(1, 2, 3)).to(x.dtype)  # (N/g,)
    y = y.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
    return torch.cat([x, y], dim=1)
