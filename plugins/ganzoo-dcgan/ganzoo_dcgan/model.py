"""DCGAN (Radford, Metz & Chintala 2015), readable top to bottom.

The architecture guidelines that made GANs train on images:

- replace pooling with strided convolutions (D) and transposed convolutions (G);
- batch norm in both nets, except G's output layer and D's input layer;
- no fully connected hidden layers;
- ReLU in G, tanh at its output; LeakyReLU(0.2) in D;
- Adam with lr 2e-4 and beta1 0.5; weights from N(0, 0.02).

G maps z (100-d) through a 4x4 transposed convolution and stride-2 stages to a
32x32 or 64x64 image of 1 or 3 channels; D mirrors it down to a single logit
(``ganzoo.nn.layers.ConvGenerator`` / ``ConvDiscriminator``, shared with WGAN).
Trained with the non-saturating loss as in the paper; any registered loss works.
``--set r1=GAMMA`` adds the R1 penalty (Mescheder, Geiger & Nowozin 2018),
``GAMMA / 2 * E||grad_x D(x_real)||^2``: it keeps D from winning outright, which is
how a long DCGAN run otherwise ends (D's loss near 0, G chasing it from mode to mode).
Its double backward makes a D step dearer (docs/models.md measures it), so ``r1_every=K``
takes it every K-th step only, weighted K times (StyleGAN2's lazy regularisation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from ganzoo.plugin import (
    ConvDiscriminator,
    ConvGenerator,
    DataInfo,
    Discriminator,
    GanModel,
    Generator,
    StepContext,
    build_loss,
    images_of,
    init_dcgan,
    r1_penalty,
)


class DCGANGenerator(Generator):
    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int) -> None:
        super().__init__(latent_dim, channels=channels, image_size=image_size, width=width)
        self.body = ConvGenerator(latent_dim, channels, image_size, width)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(z)


class DCGANDiscriminator(Discriminator):
    def __init__(self, channels: int, image_size: int, width: int, norm: str = "batch") -> None:
        super().__init__(channels=channels, image_size=image_size, width=width, norm=norm)
        self.body = ConvDiscriminator(channels, image_size, width, norm=norm)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(x)


class DCGAN(GanModel):
    augments = True  # train_step passes D's inputs through ctx.augment
    convolutional = True

    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        super().__init__(config, data)
        self.G = DCGANGenerator(config["latent_dim"], data.channels, data.image_size, config["width"])
        self.D = DCGANDiscriminator(data.channels, data.image_size, config["width"], config.get("d_norm", "batch"))
        init_dcgan(self.G)
        init_dcgan(self.D)
        self.loss = build_loss(config["loss"])

    def train_step(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        real = images_of(batch)
        z = torch.randn(len(real), self.G.latent_dim, device=real.device)
        # D: real images up, generated ones down (separate batches, as in the paper's code).
        # ctx.augment (--augment; the identity otherwise) transforms every image D sees, real
        # and fake alike, here and in G's step, so D cannot tell them apart by the augmentation
        with torch.no_grad(), ctx.autocast():
            fake = self.G(z)
        self.opt_d.zero_grad(set_to_none=True)
        r1, every = self.config["r1"], self.config["r1_every"]  # the spec's legacy fills both for older runs
        regularise = r1 > 0 and ctx.step % every == 0
        real.requires_grad_(regularise)  # R1 differentiates D's real scores, through the augmentation, to the input
        seen_real, seen_fake = ctx.augment(real), ctx.augment(fake)
        with ctx.autocast():
            real_scores = self.D(seen_real)
            loss_d = self.loss.d_loss_pair(real_scores, self.D(seen_fake))
        ctx.observe_real_scores(real_scores)  # adaptive augmentation tunes its p from these
        penalty = self.loss.penalty(self.D, seen_real, seen_fake)  # a loss's D term (WGAN-GP's), if any
        if penalty is not None:
            loss_d = loss_d + penalty
        if regularise:
            loss_d = loss_d + r1 / 2 * every * r1_penalty(real_scores, real)
        ctx.backward(loss_d)
        ctx.step_optimizer(self.opt_d)
        # G: make D call its samples real (through the same augmentation: it is differentiable)
        self.opt_g.zero_grad(set_to_none=True)
        with ctx.autocast():
            loss_g = self.loss.g_loss_lazy(self.D(ctx.augment(self.G(z))), lambda: self.D(ctx.augment(real.detach())))
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        return {"loss_D": loss_d.detach(), "loss_G": loss_g.detach()}

