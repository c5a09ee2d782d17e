"""Wasserstein GANs, readable top to bottom.

WGAN (Arjovsky, Chintala & Bottou 2017) trains a *critic* f to estimate the
Wasserstein-1 distance between real and generated distributions,

    W(P_r, P_g) = max_{||f||_L <= 1}  E_{x~P_r}[f(x)] - E_{z}[f(G(z))],

and G to lower it. The estimate needs a 1-Lipschitz critic and a critic trained
close to optimality, hence ``n_critic`` = 5 critic steps per generator step. WGAN
keeps f Lipschitz crudely, by clipping every weight to [-c, c] (c = 0.01) after
each critic step, and trains with RMSProp (lr 5e-5), since momentum methods were
unstable with clipping.

WGAN-GP (Gulrajani et al. 2017) replaces clipping by a penalty on the critic's
gradient norm at random points between real and fake samples,

    L_D = E[f(G(z))] - E[f(x)] + lambda E[(||grad f(x_hat)||_2 - 1)^2],  lambda = 10,

trained with Adam (1e-4, beta1 0.5, beta2 0.9). The penalty is per sample, so the
critic uses no batch norm (layer norm, or none). On 2-D points lambda is 0.1, as in
the authors' toy script (``penalty_weight`` below says why).

On 2D points both nets are MLPs; on images they are the DCGAN nets
(``ganzoo.nn.layers``) with the critic's normalisation chosen by ``critic_norm``.
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
    mlp,
    sample_shape,
)


class WGANGenerator(Generator):
    def __init__(self, latent_dim: int, shape: tuple[int, ...], hidden: int, layers: int, width: int) -> None:
        super().__init__(latent_dim, shape=list(shape), hidden=hidden, layers=layers, width=width)
        self.shape = tuple(shape)
        if len(shape) == 1:
            self.body = mlp([latent_dim] + [hidden] * layers + [shape[0]], activation=nn.ReLU)
        else:
            self.body = ConvGenerator(latent_dim, shape[0], shape[1], width)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(z).view(-1, *self.shape)


class Critic(Discriminator):
    """f(x): an unbounded score, no sigmoid."""

    def __init__(self, shape: tuple[int, ...], hidden: int, layers: int, width: int, norm: str) -> None:
        super().__init__(shape=list(shape), hidden=hidden, layers=layers, width=width, norm=norm)
        if len(shape) == 1:
            self.body = mlp([shape[0]] + [hidden] * layers + [1])
        else:
            self.body = ConvDiscriminator(shape[0], shape[1], width, norm=norm)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(x)


class WassersteinGAN(GanModel):
    augments = True  # on images, train_step passes the critic's inputs through ctx.augment
    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        super().__init__(config, data)
        shape = sample_shape(data)
        self.convolutional = len(shape) == 3
        self.G = WGANGenerator(config["latent_dim"], shape, config["hidden"], config["layers"], config["width"])
        self.D = Critic(shape, config["hidden"], config["layers"], config["width"], config["critic_norm"])
        if self.convolutional:
            init_dcgan(self.G)
            init_dcgan(self.D)
        options = {"gp_weight": penalty_weight(config, self.convolutional)} if config["loss"] == "wasserstein-gp" else {}
        self.loss = build_loss(config["loss"], **options)

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """WGAN's RMSProp (momentum methods such as Adam were unstable with clipping), or
        ganzoo's default Adam (``optimizer: adam``; WGAN-GP's defaults give it betas 0.5, 0.9)."""
        if self.config["optimizer"] != "rmsprop":
            return super().build_optimizers()
        lr = self.config["lr"]
        self.opt_g = torch.optim.RMSprop(self.G.parameters(), lr)
        self.opt_d = torch.optim.RMSprop(self.D.parameters(), lr)
        return {"G": self.opt_g, "D": self.opt_d}

    def train_step(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        figures: dict[str, torch.Tensor] = {}
        for k in range(self.config["n_critic"]):
            real = images_of(batch if k == 0 else ctx.next_batch())
            with torch.no_grad(), ctx.autocast():
                fake = self.G(torch.randn(len(real), self.G.latent_dim, device=real.device))
            self.opt_d.zero_grad(set_to_none=True)
            # ctx.augment (--augment on images; the identity otherwise): the critic sees real and
            # fake through the same random transforms, and the gradient penalty is taken on them too
            real, fake = ctx.augment(real), ctx.augment(fake)
            with ctx.autocast():
                real_scores, fake_scores = self.D(real), self.D(fake)
                loss_d = self.loss.d_loss_pair(real_scores, fake_scores)
            ctx.observe_real_scores(real_scores)  # adaptive augmentation tunes its p from these
            penalty = self.loss.penalty(self.D, real, fake)  # full precision: a gradient of a gradient
            total = loss_d if penalty is None else loss_d + penalty
            ctx.backward(total)
            ctx.step_optimizer(self.opt_d)
            if self.config["clip"]:
                with torch.no_grad():
                    for p in self.D.parameters():
                        p.clamp_(-self.config["clip"], self.config["clip"])
        figures["wasserstein"] = (real_scores.float().mean() - fake_scores.float().mean()).detach()
        if penalty is not None:
            figures["penalty"] = penalty.detach()
        self.opt_g.zero_grad(set_to_none=True)
        with ctx.autocast():
            fake = self.G(torch.randn(len(real), self.G.latent_dim, device=real.device))
            loss_g = self.loss.g_loss_lazy(self.D(ctx.augment(fake)), lambda: self.D(real))  # real: augmented above
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        return {"loss_D": total.detach(), "loss_G": loss_g.detach(), **figures}


def penalty_weight(config: Mapping[str, Any], images: bool) -> float:
    """lambda of the gradient penalty: ``gp_weight`` if set, else 10 on images (the paper) and 0.1
    on 2-D points, as the authors' own toy code has it ("smaller lambda seems to help for toy
    tasks"). On the ring (modes 0.01 wide) lambda 10 gave 1-87 % high-quality samples across
    seeds and 0.1 gives 94.7-95.6 % on five (docs/models.md). Weights saved before the setting
    existed load as they were (it only matters in training); a run of then that is resumed takes
    the new default, unless resumed with ``--set gp_weight=10``."""
    weight = config.get("gp_weight", 10.0)
    if weight is None:
        return 10.0 if images else 0.1
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
        raise ValueError(f"gp_weight must be a number >= 0 (or none: 10 on images, 0.1 on points), not {weight!r}")
    return float(weight)

