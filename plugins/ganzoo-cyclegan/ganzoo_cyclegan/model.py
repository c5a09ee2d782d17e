"""CycleGAN (Zhu, Park, Isola & Efros 2017), readable top to bottom.

Two unpaired image domains A and B. Two generators translate between them,
``G_A``: A -> B and ``G_B``: B -> A, and two discriminators judge them: ``D_A``
tells real B from G_A's output, ``D_B`` real A from G_B's (the authors' code
names them this way; ganzoo keeps the names so logs compare line by line).

Adversarial losses alone would let G_A map every sketch to *some* plausible
photo. The cycle-consistency loss asks that translating there and back returns
the input,

    L_cyc = lambda (||G_B(G_A(a)) - a||_1 + ||G_A(G_B(b)) - b||_1),   lambda = 10,

and the identity loss asks each generator to leave images already in its target
domain alone (``lambda_identity`` x lambda = 0.5 x 10), which keeps colours from
drifting. The full generator objective, with the paper's least-squares GAN loss:

    L_G = L_GAN(G_A, D_A) + L_GAN(G_B, D_B) + L_cyc + L_idt.

Each discriminator is trained on a *history* of generated images, an image pool of
the last 50 fakes (Shrivastava et al. 2017): half of each batch it sees comes from
older generators, which damps oscillation. The pools are saved in checkpoints, so
a resumed run continues exactly. Adam(2e-4, beta1 0.5) with a learning rate that is
constant for the first half of training and decays linearly to zero in the second.

Logged figures carry the paper's names: G_A, G_B (adversarial), D_A, D_B, cycle_A,
cycle_B, idt_A, idt_B.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import nn

from ganzoo.plugin import DataInfo, GanModel, StepContext, build_loss
from ganzoo_cyclegan.nets import PatchDiscriminator, ResnetGenerator, init_normal


class ImagePool:
    """The last ``size`` generated images; ``query`` returns a batch half old, half new.

    For each incoming image: while the pool is filling, store it and return it; after
    that, with probability 1/2 return a random stored image and put the new one in its
    place, else return the new image. Draws use torch's global RNG, which checkpoints
    save, so resuming replays the same choices.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.images: list[torch.Tensor] = []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif float(torch.rand(())) < 0.5:
                slot = int(torch.randint(self.size, ()))
                out.append(self.images[slot].clone())
                self.images[slot] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)

    def state(self) -> list[torch.Tensor]:
        return [image.cpu() for image in self.images]

    def load(self, images: list[torch.Tensor], device: torch.device) -> None:
        self.images = [image.to(device) for image in images]


@contextlib.contextmanager
def frozen(*nets: nn.Module) -> Iterator[None]:
    """No parameter gradients for ``nets`` inside (the generators' step needs none for D).

    Skipped under DistributedDataParallel, whose reducer expects a gradient for every
    parameter it registered.
    """
    if any(isinstance(net, nn.parallel.DistributedDataParallel) for net in nets):
        yield
        return
    params = [p for net in nets for p in net.parameters()]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


class CycleGAN(GanModel):
    net_names = ("G_A", "G_B", "D_A", "D_B")
    sampler_names = ("G_A", "G_B")
    convolutional = True
    directions = {"a2b": "G_A", "b2a": "G_B"}

    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        super().__init__(config, data)
        c = data.channels
        self.G_A = ResnetGenerator(c, config["ngf"], config["n_blocks"])
        self.G_B = ResnetGenerator(c, config["ngf"], config["n_blocks"])
        self.D_A = PatchDiscriminator(c, config["ndf"], config["n_layers"])
        self.D_B = PatchDiscriminator(c, config["ndf"], config["n_layers"])
        for net in (self.G_A, self.G_B, self.D_A, self.D_B):
            init_normal(net)
        self.loss = build_loss(config["loss"])
        self.pool_A = ImagePool(config["pool_size"])  # fakes of domain A, i.e. G_B's outputs, for D_B
        self.pool_B = ImagePool(config["pool_size"])  # fakes of domain B, for D_A

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """ganzoo's default Adam, one over both translators and one over both discriminators,
        grouped as the reference code groups them (the default knows only nets G and D)."""
        return self.adam_optimizers([*self.G_A.parameters(), *self.G_B.parameters()],
                                    [*self.D_A.parameters(), *self.D_B.parameters()])

    def train_step(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        real_a, real_b = batch
        lam, lam_idt, w_gan = self.config["lambda_cycle"], self.config["lambda_identity"], self.config["gan_weight"]
        # -- generators: fool both discriminators, come back around the cycle, leave targets alone
        self.opt_g.zero_grad(set_to_none=True)
        with frozen(self.D_A, self.D_B), ctx.autocast():
            fake_b, fake_a = self.G_A(real_a), self.G_B(real_b)
            rec_a, rec_b = self.G_B(fake_b), self.G_A(fake_a)
            terms = {
                "G_A": w_gan * self.loss.g_loss_lazy(self.D_A(fake_b), lambda: self.D_A(real_b)),
                "G_B": w_gan * self.loss.g_loss_lazy(self.D_B(fake_a), lambda: self.D_B(real_a)),
                "cycle_A": lam * (rec_a.float() - real_a.float()).abs().mean(),
                "cycle_B": lam * (rec_b.float() - real_b.float()).abs().mean(),
            }
            if lam_idt > 0:
                terms["idt_A"] = lam * lam_idt * (self.G_A(real_b).float() - real_b.float()).abs().mean()
                terms["idt_B"] = lam * lam_idt * (self.G_B(real_a).float() - real_a.float()).abs().mean()
            loss_g = sum(terms.values())
        ctx.backward(loss_g)
        ctx.step_optimizer(self.opt_g)
        # -- discriminators: real vs a history of fakes
        self.opt_d.zero_grad(set_to_none=True)
        with ctx.autocast():
            pooled_b, pooled_a = self.pool_B.query(fake_b), self.pool_A.query(fake_a)
            terms["D_A"] = self.loss.d_loss_pair(self.D_A(real_b), self.D_A(pooled_b))
            terms["D_B"] = self.loss.d_loss_pair(self.D_B(real_a), self.D_B(pooled_a))
        loss_d = terms["D_A"] + terms["D_B"]
        for critic, real, fake in ((self.D_A, real_b, pooled_b), (self.D_B, real_a, pooled_a)):
            penalty = self.loss.penalty(critic, real, fake)  # a loss's D term (WGAN-GP's), if any
            if penalty is not None:
                loss_d = loss_d + penalty
        ctx.backward(loss_d)
        ctx.step_optimizer(self.opt_d)
        return {name: value.detach() for name, value in terms.items()}

    # -- state and previews ---------------------------------------------------------
    def extra_state(self) -> dict[str, Any]:
        return {"pool_A": self.pool_A.state(), "pool_B": self.pool_B.state()}

    def load_extra_state(self, state: Mapping[str, Any]) -> None:
        device = next(self.G_A.parameters()).device
        self.pool_A.load(list(state.get("pool_A", [])), device)
        self.pool_B.load(list(state.get("pool_B", [])), device)

    def sample_inputs(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
                      truncation: float | None = None, examples: Any = None) -> dict[str, Any]:
        """Fixed test images of both domains, as the Trainer picked them (``examples``)."""
        if examples is None:
            return {}
        a, b = examples
        return {"a": a, "b": b}

    def preview(self, inputs: Mapping[str, Any], nets: Mapping[str, nn.Module]) -> tuple[torch.Tensor, int]:
        """Rows of input | translation | reconstruction: test sketches first, then test photos."""
        if "a" not in inputs:
            raise ValueError("CycleGAN previews need fixed test images of both domains")
        device = next(nets["G_A"].parameters()).device
        rows = []
        for x, there, back in ((inputs["a"], nets["G_A"], nets["G_B"]), (inputs["b"], nets["G_B"], nets["G_A"])):
            x = x.to(device)
            y = there(x)
            rows.append(torch.stack([x.float(), y.float(), back(y).float()], 1).flatten(0, 1))
        return torch.cat(rows), 3

