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

``--set g_upsample=resize`` doubles G's resolution by upsampling and a 3x3 convolution
instead of transposed convolutions (Odena, Dumoulin & Olah 2016): told exactly what to draw,
that generator draws shapes a reader names sooner (``bench/decoder_ceiling.py``); in a GAN it
is closer to the data early, not at the ``long`` preset's length (docs/dcgan-shapes.md).

``--set codes=K`` adds InfoGAN's categorical code (Chen, Duan, Houthooft, Schulman, Sutskever
& Abbeel 2016, which built on this DCGAN): G also sees a one-hot code of K values, and a head on
D's last features (Q) learns to tell the code from the image; G is rewarded, with weight
``info_weight``, when Q can. A Gaussian latent is one connected blob, and a generator maps it
to a connected set, so between two kinds of image (a 3 and an 8, a square and a star) it draws
in-between shapes that are neither; the code lets G jump between kinds instead, and the reward
makes each code one recognisable kind. The code is read from z itself (the index of the
largest of its first K components, uniform over K), so latents stay N(0, I) and sampling,
truncation and interpolation need nothing new.
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
    images_of,
    init_dcgan,
    r1_penalty,
)


class DCGANGenerator(Generator):
    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int, codes: int = 0,
                 upsample: str = "transposed") -> None:
        super().__init__(latent_dim, channels=channels, image_size=image_size, width=width, codes=codes,
                         upsample=upsample)
        if not 0 <= codes <= latent_dim:
            raise ValueError(f"codes must be between 0 (none) and latent_dim ({latent_dim}), not {codes}")
        self.codes = codes  # Generator.code_of reads it from z; `ganzoo sample --code k` picks it
        self.body = ConvGenerator(latent_dim + codes, channels, image_size, width, upsample)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.codes:
            z = torch.cat([z, nn.functional.one_hot(self.code_of(z), self.codes).to(z.dtype)], 1)
        return self.body(z)


class DCGANDiscriminator(Discriminator):
    def __init__(self, channels: int, image_size: int, width: int, norm: str = "batch", codes: int = 0) -> None:
        super().__init__(channels=channels, image_size=image_size, width=width, norm=norm, codes=codes)
        self.body = ConvDiscriminator(channels, image_size, width, norm=norm)
        if codes:  # InfoGAN's Q: the code from the features D scores from (its last convolution's input)
            self.q_head = nn.Sequential(nn.Conv2d(self.body.net[-2].in_channels, codes, 4, 1, 0), nn.Flatten())

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(x)

    def scores_and_codes(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """D's scores and Q's code logits, from one pass through the shared layers."""
        features = self.body.net[:-2](x)
        return self.body.net[-2:](features), self.q_head(features)


class DCGAN(GanModel):
    augments = True  # train_step passes D's inputs through ctx.augment
    convolutional = True

    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        super().__init__(config, data)
        codes = config["codes"]
        self.G = DCGANGenerator(config["latent_dim"], data.channels, data.image_size, config["width"], codes,
                               config["g_upsample"])
        self.D = DCGANDiscriminator(data.channels, data.image_size, config["width"], config.get("d_norm", "batch"),
                                    codes if config["info_weight"] else 0)
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
        info = self.config["info_weight"] if self.G.codes else 0.0
        code = self.G.code_of(z) if info else None  # the code that drew each fake, for Q's term in both steps
        with ctx.autocast():
            real_scores = self.D(seen_real)
            fake_scores, code_logits = self.D.scores_and_codes(seen_fake) if info else (self.D(seen_fake), None)
            loss_d = self.loss.d_loss_pair(real_scores, fake_scores)
        if info:  # Q learns to read the code from G's images
            loss_d = loss_d + info * self._code_loss(code_logits, code)
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
            seen = ctx.augment(self.G(z))
            fake_scores, code_logits = self.D.scores_and_codes(seen) if info else (self.D(seen), None)
            loss_g = self.loss.g_loss_lazy(fake_scores, lambda: self.D(ctx.augment(real.detach())))
        figures = {}
        if info:  # and G learns to draw each code so that Q can read it
            code_loss = self._code_loss(code_logits, code)
            loss_g = loss_g + info * code_loss
            figures["code_loss"] = code_loss.detach()  # log(codes) when Q reads nothing, 0 when it reads every code
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        return {"loss_D": loss_d.detach(), "loss_G": loss_g.detach(), **figures}

    @staticmethod
    def _code_loss(code_logits: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """InfoGAN's bound on the mutual information of code and image, up to a constant: the
        cross-entropy of Q's guess against the code that drew the image."""
        return nn.functional.cross_entropy(code_logits.float(), code)

