"""CycleGAN's two nets (Zhu et al. 2017, appendix 7.2), as in the authors' code.

*Generator* (Johnson et al. 2016's style-transfer net): a 7x7 stem, two stride-2
downsamplings, ``n_blocks`` residual blocks at 1/4 resolution, two stride-2
transposed convolutions back up, and a 7x7 head with tanh. Reflection padding
avoids the dark borders zero padding paints; instance norm (no learned affine,
no running statistics) normalises each image on its own, which suits style and
colour changes and makes batch size 1 work.

*Discriminator* (the 70x70 PatchGAN of pix2pix): strided 4x4 convolutions whose
output is a grid of logits, each judging one 70x70 patch (for ``n_layers`` = 3):
it penalises texture and local structure, and is fully convolutional, so it takes
any image size.
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.plugin import Discriminator, ImageToImageGenerator


def instance_norm(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResidualBlock(nn.Module):
    """x + (pad, conv3x3, IN, ReLU, pad, conv3x3, IN)(x): same size in and out."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), instance_norm(channels), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), instance_norm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(ImageToImageGenerator):
    """c7s1-ngf, d(2 ngf), d(4 ngf), n_blocks x R(4 ngf), u(2 ngf), u(ngf), c7s1-channels + tanh."""

    def __init__(self, channels: int = 3, ngf: int = 64, n_blocks: int = 9) -> None:
        super().__init__(channels=channels, ngf=ngf, n_blocks=n_blocks)
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(channels, ngf, 7), instance_norm(ngf), nn.ReLU(True)]
        width = ngf
        for _ in range(2):  # downsample
            layers += [nn.Conv2d(width, width * 2, 3, stride=2, padding=1), instance_norm(width * 2), nn.ReLU(True)]
            width *= 2
        layers += [ResidualBlock(width) for _ in range(n_blocks)]
        for _ in range(2):  # upsample
            layers += [nn.ConvTranspose2d(width, width // 2, 3, stride=2, padding=1, output_padding=1),
                       instance_norm(width // 2), nn.ReLU(True)]
            width //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(width, channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class PatchDiscriminator(Discriminator):
    """C(ndf) without norm, then ``n_layers - 1`` stride-2 and one stride-1 C(k) with IN, then a 1-channel conv.

    Receptive field of one output logit: 70x70 pixels for ``n_layers`` = 3.
    """

    def __init__(self, channels: int = 3, ndf: int = 64, n_layers: int = 3) -> None:
        super().__init__(channels=channels, ndf=ndf, n_layers=n_layers)
        layers: list[nn.Module] = [nn.Conv2d(channels, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        width = ndf
        for n in range(1, n_layers + 1):
            out = ndf * min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(width, out, 4, stride=stride, padding=1), instance_norm(out), nn.LeakyReLU(0.2, True)]
            width = out
        layers += [nn.Conv2d(width, 1, 4, stride=1, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x)


def init_normal(module: nn.Module, std: float = 0.02) -> None:
    """The authors' default init: conv weights ~ N(0, 0.02), biases zero."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
