"""Conditional GAN (Mirza & Osindero 2014), readable top to bottom.

Both players see extra information y, here the class label:

    min_G max_D  E_{x,y}[log D(x | y)] + E_{z,y}[log(1 - D(G(z | y) | y))]

G gets y beside its noise, so it can be asked for a class; D gets y beside the
image, so a sample of the wrong class is a fake even when it looks real. The label
enters as a learned embedding (``conditioning="embedding"``) or a one-hot vector
(``"one-hot"``), in both nets.

``arch="mlp"``: the paper's MNIST setting, multilayer perceptrons on [z, y] and
[x, y] (``--preset paper``). ``arch="conv"``: DCGAN nets, with y joined to z for G; D
meets y in one of two ways. ``d_conditioning="input"``, the paper's way, broadcasts y
to extra image channels beside the image.

``d_conditioning="projection"`` (the default; conv only; Miyato & Koyama 2018) gives D the
image alone and adds the inner product of a learned class vector with D's pooled last
features to its score: D(x, y) = psi(phi(x)) + <v_y, sum phi(x)>. D then asks "is this a
real *y*?" in its final features, where the class is already visible, rather than from
label channels beside raw pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ganzoo.plugin import (
    ConvDiscriminator,
    ConvGenerator,
    DataInfo,
    Discriminator,
    GanModel,
    Generator,
    StepContext,
    build_loss,
    init_dcgan,
    mlp,
    r1_penalty,
)


class LabelCode(nn.Module):
    """A label as a vector: a learned embedding or a one-hot code."""

    def __init__(self, num_classes: int, conditioning: str, embed_dim: int) -> None:
        super().__init__()
        if conditioning not in ("embedding", "one-hot"):
            raise ValueError(f"conditioning must be 'embedding' or 'one-hot', not {conditioning!r}")
        self.num_classes = num_classes
        self.embedding = nn.Embedding(num_classes, embed_dim) if conditioning == "embedding" else None
        self.dim = embed_dim if self.embedding is not None else num_classes

    def forward(self, labels: torch.Tensor) -> torch.Tensor:
        if self.embedding is not None:
            return self.embedding(labels)
        return nn.functional.one_hot(labels, self.num_classes).float()


class CGANGenerator(Generator):
    def __init__(self, latent_dim: int, num_classes: int, shape: tuple[int, int, int], arch: str,
                 conditioning: str, embed_dim: int, hidden: int, width: int) -> None:
        super().__init__(latent_dim, num_classes, shape=list(shape), arch=arch, conditioning=conditioning,
                         embed_dim=embed_dim, hidden=hidden, width=width)
        self.shape = shape
        self.label = LabelCode(num_classes, conditioning, embed_dim)
        inputs = latent_dim + self.label.dim
        if arch == "mlp":
            size = int(torch.tensor(shape).prod())
            self.body = nn.Sequential(mlp([inputs, hidden, hidden * 2, size], activation=nn.ReLU), nn.Tanh())
        else:
            self.body = ConvGenerator(inputs, shape[0], shape[1], width)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            raise ValueError("a conditional generator needs labels")
        return self.body(torch.cat([z, self.label(labels)], dim=1)).view(-1, *self.shape)


class CGANDiscriminator(Discriminator):
    def __init__(self, num_classes: int, shape: tuple[int, int, int], arch: str, conditioning: str,
                 embed_dim: int, hidden: int, width: int, norm: str = "batch", d_conditioning: str = "input") -> None:
        super().__init__(num_classes=num_classes, shape=list(shape), arch=arch, conditioning=conditioning,
                         embed_dim=embed_dim, hidden=hidden, width=width, norm=norm, d_conditioning=d_conditioning)
        if d_conditioning not in ("input", "projection"):
            raise ValueError(f"d_conditioning must be 'input' or 'projection', not {d_conditioning!r}")
        if d_conditioning == "projection" and arch != "conv":
            raise ValueError("d_conditioning='projection' needs arch='conv' (it projects onto D's last convolutional "
                             "features): with arch='mlp' add --set d_conditioning=input, or use --preset paper")
        self.arch, self.projection = arch, d_conditioning == "projection"
        self.label = None if self.projection else LabelCode(num_classes, conditioning, embed_dim)
        if arch == "mlp":
            size = int(torch.tensor(shape).prod())
            self.body = mlp([size + self.label.dim, hidden * 2, hidden, 1], dropout=0.3)
        elif self.projection:
            self.body = ConvDiscriminator(shape[0], shape[1], width, norm=norm)
            features = self.body.net[-2].in_channels  # what D's last 4x4 convolution reads
            self.class_vectors = nn.Embedding(num_classes, features)  # v_y
            nn.init.normal_(self.class_vectors.weight, 0.0, 0.02)  # small, as D's other weights: y does not swamp D at first
        else:
            self.body = ConvDiscriminator(shape[0] + self.label.dim, shape[1], width, norm=norm)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            raise ValueError("a conditional discriminator needs labels")
        if self.projection:
            features = self.body.net[:-2](x)  # phi(x): (N, C, 4, 4)
            pooled = features.sum(dim=(2, 3))
            return self.body.net[-2:](features) + (self.class_vectors(labels).to(pooled.dtype) * pooled).sum(1, keepdim=True)
        code = self.label(labels)
        if self.arch == "mlp":
            return self.body(torch.cat([x.flatten(1), code], dim=1))
        maps = code.view(len(x), -1, 1, 1).expand(-1, -1, x.shape[2], x.shape[3])  # y on every pixel
        return self.body(torch.cat([x, maps.to(x.dtype)], dim=1))


class CGAN(GanModel):
    augments = True  # train_step passes D's images through ctx.augment

    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        super().__init__(config, data)
        if config["arch"] not in ("mlp", "conv"):
            raise ValueError(f"arch must be 'mlp' or 'conv', not {config['arch']!r}")
        self.convolutional = config["arch"] == "conv"
        shape = (data.channels, data.image_size, data.image_size)
        common = dict(arch=config["arch"], conditioning=config["conditioning"], embed_dim=config["embed_dim"],
                      hidden=config["hidden"], width=config["width"])
        self.G = CGANGenerator(config["latent_dim"], data.num_classes, shape, **common)
        self.D = CGANDiscriminator(data.num_classes, shape, **common, norm=config.get("d_norm", "batch"),
                                   d_conditioning=config.get("d_conditioning", "input"))
        if self.convolutional:
            init_dcgan(self.G)
            init_dcgan(self.D)
        self.loss = build_loss(config["loss"])

    def train_step(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        real, labels = batch
        z = torch.randn(len(real), self.G.latent_dim, device=real.device)
        asked = torch.randint(self.data.num_classes, (len(real),), device=real.device)  # classes G must draw
        with torch.no_grad(), ctx.autocast():
            fake = self.G(z, asked)
        # ctx.augment (--augment; the identity otherwise) transforms the images D sees, real and
        # fake, in both steps; the labels pass through unchanged (augmentation keeps the class)
        self.opt_d.zero_grad(set_to_none=True)
        r1 = self.config.get("r1", 0.0)
        real.requires_grad_(r1 > 0)  # R1 differentiates D's real scores, through the augmentation, to the input
        seen_real, seen_fake = ctx.augment(real), ctx.augment(fake)
        with ctx.autocast():
            real_scores = self.D(seen_real, labels)
            loss_d = self.loss.d_loss_pair(real_scores, self.D(seen_fake, asked))
        ctx.observe_real_scores(real_scores)  # adaptive augmentation tunes its p from these
        # a loss's D term (WGAN-GP's), if any; the points between real and fake keep the real labels
        penalty = self.loss.penalty(lambda x: self.D(x, labels), seen_real, seen_fake)
        if penalty is not None:
            loss_d = loss_d + penalty
        if r1 > 0:  # R1 on real (image, label) pairs: D may not be steep around the data it knows
            loss_d = loss_d + r1 / 2 * r1_penalty(real_scores, real)
        ctx.backward(loss_d)
        ctx.step_optimizer(self.opt_d)
        self.opt_g.zero_grad(set_to_none=True)
        with ctx.autocast():
            loss_g = self.loss.g_loss_lazy(self.D(ctx.augment(self.G(z, asked)), asked),
                                          lambda: self.D(ctx.augment(real.detach()), labels))
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        return {"loss_D": loss_d.detach(), "loss_G": loss_g.detach()}

