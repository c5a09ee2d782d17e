"""A plugin as written for plugin API 1.2, kept as it was written then, so that every later
1.x release is shown to load and train it (tests/test_plugin_api_compat.py).

What marks it as 1.2: the spec's builder is a function ``build(config, data)``, not the
``GanModel`` class, and the model writes its own Adam ``build_optimizers`` (plugin API 1.3
added the class as builder and a default ``build_optimizers``). Its betas (0.5, 0.99)
differ from the default's (0.5, 0.999), so a test can tell its own optimisers were used.
One module for brevity: a real plugin keeps torch out of its entry module.
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
    ModelSpec,
    StepContext,
    build_loss,
    hookimpl,
    images_of,
    mlp,
    sample_shape,
)

#: the plugin-API versions this plugin was written for
GANZOO_PLUGIN_API = ">=1.2,<2"

#: the betas of its own Adam
BETAS = (0.5, 0.99)


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="oldgan", summary="A GAN of MLPs on 2D points, written for plugin API 1.2.", task="points-2d",
        builder="ganzoo_fixture_api12:build", data_kinds=("points-2d",),
        defaults={"latent_dim": 4, "hidden": 16, "lr": 1e-3, "batch_size": 32, "steps": 10},
    ))


class OldGenerator(Generator):
    def __init__(self, latent_dim: int, shape: tuple[int, ...], hidden: int) -> None:
        super().__init__(latent_dim, shape=list(shape), hidden=hidden)
        self.shape = tuple(shape)
        self.net = mlp([latent_dim, hidden, int(torch.tensor(shape).prod())], activation=nn.ReLU)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z).view(-1, *self.shape)


class OldDiscriminator(Discriminator):
    def __init__(self, shape: tuple[int, ...], hidden: int) -> None:
        super().__init__(shape=list(shape), hidden=hidden)
        self.net = mlp([int(torch.tensor(shape).prod()), hidden, 1])

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x.flatten(1))


class OldGAN(GanModel):
    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        super().__init__(config, data)
        shape = sample_shape(data)
        self.G = OldGenerator(config["latent_dim"], shape, config["hidden"])
        self.D = OldDiscriminator(shape, config["hidden"])
        self.loss = build_loss(config["loss"])

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        self.opt_g = torch.optim.Adam(self.G.parameters(), self.config["lr"], betas=BETAS)
        self.opt_d = torch.optim.Adam(self.D.parameters(), self.config["lr"], betas=BETAS)
        return {"G": self.opt_g, "D": self.opt_d}

    def train_step(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        real = images_of(batch)
        with torch.no_grad(), ctx.autocast():
            fake = self.G(torch.randn(len(real), self.G.latent_dim, device=real.device))
        self.opt_d.zero_grad(set_to_none=True)
        with ctx.autocast():
            loss_d = self.loss.d_loss(self.D(real), self.D(fake))
        ctx.backward(loss_d)
        ctx.step_optimizer(self.opt_d)
        self.opt_g.zero_grad(set_to_none=True)
        with ctx.autocast():
            loss_g = self.loss.g_loss(self.D(self.G(torch.randn(len(real), self.G.latent_dim, device=real.device))))
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        return {"loss_D": loss_d.detach(), "loss_G": loss_g.detach()}


def build(config: Mapping[str, Any], data: DataInfo) -> OldGAN:
    return OldGAN(config, data)
