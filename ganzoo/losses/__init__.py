"""Adversarial losses, each as written in its paper, on raw discriminator scores.

Every loss works on unbounded scores ``s`` (logits or critic values), averaged over
the batch (and over patches for PatchGAN discriminators):

    minimax         D: -log sigmoid(s_r) - log(1 - sigmoid(s_f))    G:  log(1 - sigmoid(s_f))
    non-saturating  D: as minimax                                   G: -log sigmoid(s_f)
    least-squares   D: 1/2 (s_r - 1)^2 + 1/2 s_f^2                  G: 1/2 (s_f - 1)^2
    wasserstein     D: s_f - s_r                                    G: -s_f
    wasserstein-gp  wasserstein + lambda (||grad_x D(x_hat)||_2 - 1)^2, x_hat between real and fake
    hinge           D: relu(1 - s_r) + relu(1 + s_f)                G: -s_f

``softplus`` gives the log-sigmoid terms without overflow: -log sigmoid(s) = softplus(-s)
and -log(1 - sigmoid(s)) = softplus(s).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "AdversarialLoss",
    "HingeLoss",
    "LeastSquaresLoss",
    "MinimaxLoss",
    "NonSaturatingLoss",
    "WassersteinGPLoss",
    "WassersteinLoss",
    "build_loss",
    "gradient_penalty",
]


class AdversarialLoss:
    """The D and G objectives of one GAN formulation (both to be minimised)."""

    name = "adversarial"
    #: True when D is a critic (unbounded scores, no sigmoid): e.g. no batch norm advised
    critic = False

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def penalty(self, critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                fake: torch.Tensor) -> torch.Tensor | None:
        """An extra D term that needs D itself (the gradient penalty); None when there is none."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MinimaxLoss(AdversarialLoss):
    """Goodfellow et al. 2014, the original saturating objective."""

    name = "minimax"

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return F.softplus(-real.float()).mean() + F.softplus(fake.float()).mean()

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -F.softplus(fake.float()).mean()  # log(1 - sigmoid(s_f))


class NonSaturatingLoss(MinimaxLoss):
    """Goodfellow et al. 2014's practical variant: G maximises log D(G(z))."""

    name = "non-saturating"

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return F.softplus(-fake.float()).mean()


class LeastSquaresLoss(AdversarialLoss):
    """Mao et al. 2017 (LSGAN), with targets a = 0, b = c = 1."""

    name = "least-squares"

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((real.float() - 1) ** 2).mean() + 0.5 * (fake.float() ** 2).mean()

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((fake.float() - 1) ** 2).mean()


class WassersteinLoss(AdversarialLoss):
    """Arjovsky et al. 2017: the critic estimates the Wasserstein-1 distance."""

    name = "wasserstein"
    critic = True

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return fake.float().mean() - real.float().mean()

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.float().mean()


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """E[(||grad D(x_hat)||_2 - 1)^2] at random points between real and fake (Gulrajani et al. 2017)."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, generator=generator).to(real.device, real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.float().sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


class WassersteinGPLoss(WassersteinLoss):
    """Gulrajani et al. 2017: the Lipschitz constraint as a gradient penalty (lambda = 10)."""

    name = "wasserstein-gp"

    def __init__(self, gp_weight: float = 10.0) -> None:
        self.gp_weight = gp_weight

    def penalty(self, critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                fake: torch.Tensor) -> torch.Tensor:
        return self.gp_weight * gradient_penalty(critic, real, fake)

    def __repr__(self) -> str:
        return f"WassersteinGPLoss(gp_weight={self.gp_weight})"


class HingeLoss(AdversarialLoss):
    """Lim & Ye 2017 / Miyato et al. 2018: the hinge version of the adversarial loss."""

    name = "hinge"
    critic = True

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return F.relu(1 - real.float()).mean() + F.relu(1 + fake.float()).mean()

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.float().mean()


def build_loss(name: str, **options: object) -> AdversarialLoss:
    """A loss by registered name (plugins may register more)."""
    from ganzoo.plugins import get_host
    from ganzoo.registry import load_builder

    return load_builder(get_host().registry.losses.get(name).builder)(**options)
