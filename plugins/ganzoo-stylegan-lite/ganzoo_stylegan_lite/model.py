"""StyleGAN-lite's training step (Karras et al. 2019, 2020), readable top to bottom.

One iteration:

1. **D step.** Fakes from fresh latents, with **style mixing**: with probability
   ``mixing_prob`` a second latent takes over from a random layer on, so D sees
   images whose coarse and fine styles come from different w's and G cannot rely on
   neighbouring layers being correlated. Non-saturating logistic loss. Every
   ``r1_every`` steps (**lazy regularisation**) the **R1 penalty**
   ``r1_gamma / 2 * E||grad_x D(x_real)||^2``, scaled by ``r1_every`` so its
   strength is as if applied every step, computed in fp32 (a double backward in
   bf16 is fragile).
2. **G step.** Non-saturating loss on new mixed fakes. Optionally (``pl_weight`` >
   0) **path-length regularisation** every ``pl_every`` steps: a fixed-size step in
   W should change the image by a fixed amount, which makes W smoother to walk.

Adam with beta1 = 0 and beta2 = 0.99, with the learning rate and betas of a lazily
regularised net scaled by ``every / (every + 1)`` (StyleGAN2, appendix B). The
generator keeps the running mean of w the truncation trick needs (``w_avg``, a
buffer); the Trainer keeps the EMA generator that samples are drawn from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch

from ganzoo.plugin import DataInfo, GanModel, StepContext, build_loss, images_of
from ganzoo_stylegan_lite.nets import StyleGANDiscriminator, StyleGANGenerator


def lazy_adam(params: Any, lr: float, betas: tuple[float, float], every: int) -> torch.optim.Adam:
    """Adam for a net regularised every ``every`` steps: lr and betas scaled by every/(every+1)."""
    c = every / (every + 1) if every > 0 else 1.0
    return torch.optim.Adam(params, lr * c, betas=(betas[0] ** c, betas[1] ** c), eps=1e-8)


class StyleGANLite(GanModel):
    augments = True  # train_step (R1 included) passes D's inputs through ctx.augment
    convolutional = True

    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        super().__init__(config, data)
        c = self.config
        self.G = StyleGANGenerator(c["latent_dim"], data.channels, data.image_size, width=c["width"],
                                   max_width=c["max_width"], mapping_layers=c["mapping_layers"],
                                   mapping_lr_mul=c["mapping_lr_mul"], fused_modconv=c["fused_modconv"])
        self.D = StyleGANDiscriminator(data.channels, data.image_size, width=c["width"], max_width=c["max_width"])
        self.loss = build_loss(c["loss"])
        self.num_ws = self.G.num_ws
        self.pl_mean = torch.zeros(())  # running mean of path lengths (on the training device after the first step)
        self.r1_last = torch.zeros(())  # the last R1 penalty, reported every step

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        c, betas = self.config, (self.config["beta1"], self.config["beta2"])
        self.opt_g = lazy_adam(self.G.parameters(), c["lr"], betas, c["pl_every"] if c["pl_weight"] > 0 else 0)
        self.opt_d = lazy_adam(self.D.parameters(), c["lr"], betas, c["r1_every"] if c["r1_gamma"] > 0 else 0)
        return {"G": self.opt_g, "D": self.opt_d}

    def latents(self, n: int, device: torch.device) -> tuple[torch.Tensor, dict[str, Any]]:
        """Latents for a batch, and the style-mixing arguments for the generator."""
        z = torch.randn(n, self.config["latent_dim"], device=device)
        if torch.rand(()).item() >= self.config["mixing_prob"]:  # a host-side draw: no device sync
            return z, {}
        crossover = int(torch.randint(1, self.num_ws, ()).item())
        return z, {"mix_z": torch.randn_like(z), "crossover": crossover}

    def train_step(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        real = images_of(batch)
        c, n = self.config, len(real)

        # D: real up, mixed fakes down; lazy R1 on the real images. ctx.augment (--augment; the
        # identity otherwise) transforms every image D sees, real and fake, in both steps, and R1
        # is taken through it, w.r.t. the un-augmented reals, as StyleGAN2-ADA does
        z, mix = self.latents(n, real.device)
        with torch.no_grad(), ctx.autocast():
            fake = self.G(z, **mix)
        self.opt_d.zero_grad(set_to_none=True)
        seen_real, seen_fake = ctx.augment(real), ctx.augment(fake)
        with ctx.autocast():
            real_scores = self.D(seen_real)
            loss_d = self.loss.d_loss_pair(real_scores, self.D(seen_fake))
        ctx.observe_real_scores(real_scores)  # adaptive augmentation tunes its p from these
        total_d = loss_d.float()
        penalty = self.loss.penalty(self.D, seen_real, seen_fake)  # a loss's D term (WGAN-GP's), if any
        if penalty is not None:
            total_d = total_d + penalty
        if c["r1_gamma"] > 0 and ctx.step % c["r1_every"] == 0:
            self.r1_last = self.r1_penalty(real, ctx.augment)
            total_d = total_d + self.r1_last * (c["r1_gamma"] / 2 * c["r1_every"])
            self.r1_last = self.r1_last.detach()
        ctx.backward(total_d)
        ctx.step_optimizer(self.opt_d)

        # G: make D call mixed fakes real; lazy path-length regularisation
        self.opt_g.zero_grad(set_to_none=True)
        z, mix = self.latents(n, real.device)
        with ctx.autocast():
            loss_g = self.loss.g_loss_lazy(self.D(ctx.augment(self.G(z, **mix))), lambda: self.D(ctx.augment(real)))
        total_g = loss_g.float()
        figures = {"loss_D": loss_d.detach(), "loss_G": loss_g.detach(), "r1": self.r1_last.to(real.device)}
        if c["pl_weight"] > 0:
            if ctx.step % c["pl_every"] == 0:
                total_g = total_g + self.path_length_penalty(max(1, n // 2), real.device) * (c["pl_weight"] * c["pl_every"])
            figures["pl_mean"] = self.pl_mean.to(real.device)
        ctx.backward(total_g)
        ctx.step_optimizer(self.opt_g)
        return figures

    def r1_penalty(self, real: torch.Tensor,
                   augment: Callable[[torch.Tensor], torch.Tensor] = lambda x: x) -> torch.Tensor:
        """E ||grad_x D(augment(x))||^2 on real images, in fp32 (Mescheder et al. 2018)."""
        x = real.detach().float().requires_grad_(True)
        with torch.autocast(x.device.type, enabled=False):
            scores = self.D(augment(x))
        (grad,) = torch.autograd.grad(scores.float().sum(), x, create_graph=True)
        return grad.square().sum(dim=(1, 2, 3)).mean()

    def path_length_penalty(self, n: int, device: torch.device) -> torch.Tensor:
        """(|J_w^T y| - a)^2 for random image-space directions y, where a is the running
        mean of the lengths: the generator's Jacobian in W should keep lengths constant."""
        g = getattr(self.G, "module", self.G)
        w = g.mapping(torch.randn(n, self.config["latent_dim"], device=device))
        ws = w.unsqueeze(1).repeat(1, self.num_ws, 1)
        images = g.synthesis(ws)
        noise = torch.randn_like(images) / math.sqrt(images.shape[2] * images.shape[3])
        (grad,) = torch.autograd.grad((images * noise).sum(), ws, create_graph=True)
        lengths = grad.square().sum(dim=2).mean(dim=1).sqrt()
        self.pl_mean = self.pl_mean.to(device).lerp(lengths.mean().detach(), 0.01)
        return (lengths - self.pl_mean).square().mean()

    def extra_state(self) -> dict[str, Any]:
        return {"pl_mean": self.pl_mean.detach().cpu(), "r1_last": self.r1_last.detach().cpu()}

    def load_extra_state(self, state: Mapping[str, Any]) -> None:
        self.pl_mean = torch.as_tensor(state.get("pl_mean", 0.0)).float()
        self.r1_last = torch.as_tensor(state.get("r1_last", 0.0)).float()

