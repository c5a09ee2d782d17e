"""DCGAN (the pytorch/examples architecture) for the benchmarks: nets, a plain
hand-written training step, and the same step as a ganzoo model family."""

from __future__ import annotations

import torch
from torch import nn

from ganzoo import hookimpl
from ganzoo.nn import GanModel
from ganzoo.registry import ModelSpec

NZ = 100


def nets(size: int, channels: int = 3, nf: int = 64) -> tuple[nn.Module, nn.Module]:
    layers = 4 if size == 64 else 3
    g: list[nn.Module] = [nn.ConvTranspose2d(NZ, nf * 2 ** (layers - 1), 4, 1, 0, bias=False),
                          nn.BatchNorm2d(nf * 2 ** (layers - 1)), nn.ReLU(True)]
    for i in range(layers - 1, 0, -1):
        g += [nn.ConvTranspose2d(nf * 2**i, nf * 2 ** (i - 1), 4, 2, 1, bias=False), nn.BatchNorm2d(nf * 2 ** (i - 1)),
              nn.ReLU(True)]
    g += [nn.ConvTranspose2d(nf, channels, 4, 2, 1, bias=False), nn.Tanh()]
    d: list[nn.Module] = [nn.Conv2d(channels, nf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    for i in range(1, layers):
        d += [nn.Conv2d(nf * 2 ** (i - 1), nf * 2**i, 4, 2, 1, bias=False), nn.BatchNorm2d(nf * 2**i),
              nn.LeakyReLU(0.2, True)]
    d += [nn.Conv2d(nf * 2 ** (layers - 1), 1, 4, 1, 0, bias=False), nn.Flatten()]
    G, D = nn.Sequential(*g), nn.Sequential(*d)
    for m in list(G.modules()) + list(D.modules()):  # N(0, 0.02) as in the paper
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return G, D


class PlainLoop:
    """What a person writes by hand: fp32, no autocast, BCE-with-logits, nets and data
    on ``device``; it never reads a loss back (no host sync per step)."""

    def __init__(self, size: int, channels: int = 3, device: str | torch.device = "cpu") -> None:
        self.device = torch.device(device)
        self.G, self.D = (net.to(self.device) for net in nets(size, channels))
        self.opt_g = torch.optim.Adam(self.G.parameters(), 2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), 2e-4, betas=(0.5, 0.999))
        self.bce = nn.BCEWithLogitsLoss()

    def step(self, real: torch.Tensor) -> None:
        n = len(real)
        ones, zeros = torch.ones(n, 1, device=self.device), torch.zeros(n, 1, device=self.device)
        fake = self.G(torch.randn(n, NZ, 1, 1, device=self.device))
        self.opt_d.zero_grad()
        (self.bce(self.D(real), ones) + self.bce(self.D(fake.detach()), zeros)).backward()
        self.opt_d.step()
        self.opt_g.zero_grad()
        self.bce(self.D(fake), ones).backward()
        self.opt_g.step()


class BenchDCGAN(GanModel):
    """The same nets and step as PlainLoop, as a ganzoo family."""

    convolutional = True

    def __init__(self, config, data):  # noqa: ANN001
        super().__init__(config, data)
        self.G, self.D = nets(data.image_size, data.channels)
        self.bce = nn.BCEWithLogitsLoss()

    def build_optimizers(self):  # noqa: ANN201
        self.opt_g = torch.optim.Adam(self.G.parameters(), 2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), 2e-4, betas=(0.5, 0.999))
        return {"G": self.opt_g, "D": self.opt_d}

    def train_step(self, batch, ctx):  # noqa: ANN001, ANN201
        real = batch[0]
        n = len(real)
        ones, zeros = torch.ones(n, 1, device=real.device), torch.zeros(n, 1, device=real.device)
        with ctx.autocast():
            fake = self.G(torch.randn(n, NZ, 1, 1, device=real.device))
            self.opt_d.zero_grad()
            loss_d = self.bce(self.D(real).float(), ones) + self.bce(self.D(fake.detach()).float(), zeros)
        ctx.backward(loss_d)
        ctx.step_optimizer(self.opt_d)
        with ctx.autocast():
            self.opt_g.zero_grad()
            loss_g = self.bce(self.D(fake).float(), ones)
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        return {"loss_D": loss_d.detach(), "loss_G": loss_g.detach()}

    def sample_inputs(self, n, generator, labels=None, truncation=None):  # noqa: ANN001, ANN201
        return {"z": torch.randn(n, NZ, 1, 1, generator=generator)}

    def generate(self, inputs, nets):  # noqa: ANN001, ANN201
        return nets["G"](inputs["z"].to(next(nets["G"].parameters()).device))


def build(config, data):  # noqa: ANN001, ANN201
    return BenchDCGAN(config, data)


@hookimpl
def ganzoo_register_models(register):  # noqa: ANN001, ANN201
    register(ModelSpec(name="bench-dcgan", summary="DCGAN for benchmarks", task="unconditional",
                       builder="_dcgan:build", data_kinds=("images",), defaults={"batch_size": 64}))
