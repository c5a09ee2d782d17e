"""The original GAN (Goodfellow et al. 2014), readable top to bottom.

The objective is a two-player minimax game

    min_G max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))]

trained by Algorithm 1 of the paper: for each iteration, k steps of ascending D's
objective on minibatches of real data and noise, then one step of descending G's.
The paper notes that log(1 - D(G(z))) saturates early on, when D rejects every fake,
and recommends that G maximise log D(G(z)) instead: that is the ``non-saturating``
loss, the default here; ``--loss minimax`` trains Algorithm 1 exactly.

Both nets are multilayer perceptrons (the paper's were maxout/ReLU MLPs). On 2D
points G ends in a linear layer; on images it ends in tanh, and D sees the image
flattened.

Two published remedies for the mode collapse this GAN is known for, both off
unless set (``--set pack=4``, ``--set r1=0.1``):

- *packing* (PacGAN, Lin et al. 2018): D judges ``pack`` samples at once,
  concatenated, so a generator that repeats itself is easy to spot;
- the *R1 penalty* (Mescheder et al. 2018): ``r1 / 2 * E[||grad D(x_real)||^2]``
  added to D's loss, which makes training converge locally instead of circling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from ganzoo.plugin import (
    DataInfo,
    Discriminator,
    GanModel,
    Generator,
    StepContext,
    build_loss,
    images_of,
    mlp,
    r1_penalty,
    sample_shape,
)


class MLPGenerator(Generator):
    """z ~ N(0, I) -> a point or a flattened image, via ``layers`` hidden layers of ReLU."""

    def __init__(self, latent_dim: int, shape: tuple[int, ...], hidden: int, layers: int) -> None:
        super().__init__(latent_dim, shape=list(shape), hidden=hidden, layers=layers)
        self.shape = tuple(shape)
        out = int(torch.tensor(shape).prod())
        image = len(shape) == 3
        self.net = mlp([latent_dim] + [hidden] * layers + [out], activation=nn.ReLU,
                       final=nn.Tanh() if image else None)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z).view(-1, *self.shape)


class MLPDiscriminator(Discriminator):
    """``pack`` points or images -> one logit, via ``layers`` hidden layers of LeakyReLU(0.2)."""

    def __init__(self, shape: tuple[int, ...], hidden: int, layers: int, pack: int = 1) -> None:
        super().__init__(shape=list(shape), hidden=hidden, layers=layers, pack=pack)
        self.pack = pack
        inp = int(torch.tensor(shape).prod()) * pack
        self.net = mlp([inp] + [hidden] * layers + [1])

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x.reshape(len(x) // self.pack, -1))  # consecutive samples form one packed input


class VanillaGAN(GanModel):
    augments = True  # on images, train_step passes D's inputs through ctx.augment
    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        super().__init__(config, data)
        shape = sample_shape(data)
        self.G = MLPGenerator(config["latent_dim"], shape, config["hidden"], config["layers"])
        self.D = MLPDiscriminator(shape, config["hidden"], config["layers"], config["pack"])
        self.loss = build_loss(config["loss"])
        if config["batch_size"] % config["pack"]:
            raise ValueError(f"batch_size {config['batch_size']} must be a multiple of pack {config['pack']}")

    def noise(self, n: int, device: torch.device) -> torch.Tensor:
        return torch.randn(n, self.G.latent_dim, device=device)

    def train_step(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        # k steps of D: ascend log D(x) + log(1 - D(G(z))), each on a fresh minibatch
        for k in range(self.config["d_steps"]):
            real = images_of(batch if k == 0 else ctx.next_batch())
            with torch.no_grad(), ctx.autocast():
                fake = self.G(self.noise(len(real), real.device))
            self.opt_d.zero_grad(set_to_none=True)
            r1 = self.config["r1"]
            real.requires_grad_(r1 > 0)
            # ctx.augment (--augment on images; the identity otherwise): D sees real and fake
            # through the same random transforms; R1 differentiates through them to the real input
            seen_real, seen_fake = ctx.augment(real), ctx.augment(fake)
            with ctx.autocast():
                real_scores = self.D(seen_real)
                loss_d = self.loss.d_loss_pair(real_scores, self.D(seen_fake))
            ctx.observe_real_scores(real_scores)  # adaptive augmentation tunes its p from these
            penalty = self.loss.penalty(self.D, seen_real, seen_fake)  # a loss's D term (WGAN-GP's), if any
            if penalty is not None:
                loss_d = loss_d + penalty
            if r1 > 0:
                loss_d = loss_d + r1 / 2 * r1_penalty(real_scores, real)
            ctx.backward(loss_d)
            ctx.step_optimizer(self.opt_d)
        # one step of G: descend log(1 - D(G(z))), or ascend log D(G(z)) (non-saturating)
        self.opt_g.zero_grad(set_to_none=True)
        with ctx.autocast():
            loss_g = self.loss.g_loss_lazy(self.D(ctx.augment(self.G(self.noise(len(real), real.device)))),
                                          lambda: self.D(ctx.augment(real.detach())))
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        return {"loss_D": loss_d.detach(), "loss_G": loss_g.detach()}

