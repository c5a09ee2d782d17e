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

from ganzoo.errors import GanzooError
from ganzoo.host import get_host
from ganzoo.registry import load_builder

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
    "r1_penalty",
]


class PairedLossError(GanzooError, TypeError):
    """A model called ``g_loss(fake)`` with a loss that needs real scores as well."""


class AdversarialLoss:
    """The D and G objectives of one GAN formulation, both to be minimised: the base class of
    every loss, built-in or from a plugin (public as ``ganzoo.plugin.AdversarialLoss``).

    A loss works on D's raw scores (logits or critic values, any shape whose first dimension
    is the batch: one score per sample, or one per patch) and returns a scalar tensor.
    Compute in float32 (``scores.float()``), so a loss is exact under bf16 autocast.

    **Constructing.** ``build_loss(name, **options)`` looks ``name`` up among registered
    losses (``LossSpec(name, summary, builder)``) and calls the builder (usually the class)
    with ``options``; the families call ``build_loss(config["loss"])``, so a loss used from
    ``--loss NAME`` must be buildable with no arguments (give options defaults).

    **Two ways to call it.** A family calls the *paired* forms,

    - ``d_loss_pair(real_scores, fake_scores)``: D's loss, and
    - ``g_loss_pair(real_scores, fake_scores)``: G's loss, for which the family also scores
      a real batch in its G step (``real_scores`` may be detached there),

    which by default fall back to ``d_loss(real, fake)`` and ``g_loss(fake)``;
    ``g_loss_lazy(fake_scores, score_real)`` scores the real batch only for a paired loss. A loss that
    only needs fake scores for G (all the classic ones) overrides ``d_loss`` and ``g_loss``;
    a *paired* loss that compares real and fake scores (relativistic losses, Jolicoeur-Martineau
    2018) overrides the two ``*_pair`` methods and sets ``paired = True``. Calling ``g_loss``
    on a paired loss raises, naming the fix, so a family that cannot give real scores to G
    fails at its first step instead of training something else.

    ``penalty(critic, real, fake)`` adds a D term that needs D itself (WGAN-GP's gradient
    penalty); ``critic`` says D's scores are unbounded (no batch norm advised).
    """

    name = "adversarial"
    #: True when D is a critic (unbounded scores, no sigmoid): e.g. no batch norm advised
    critic = False
    #: True when G's loss needs D's scores on real data too: call ``g_loss_pair``
    paired = False

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """D's loss from its scores on a real and a fake batch."""
        if self.paired and type(self).d_loss_pair is not AdversarialLoss.d_loss_pair:
            return self.d_loss_pair(real, fake)
        raise NotImplementedError(f"{type(self).__name__} must override d_loss (or d_loss_pair, with paired = True)")

    def g_loss(self, fake: torch.Tensor) -> torch.Tensor:
        """G's loss from D's scores on a fake batch (losses that need real scores too: ``g_loss_pair``)."""
        if self.paired:
            raise PairedLossError(f"loss {self.name!r} compares real and fake scores, and this model's G step "
                                  "calls loss.g_loss(fake_scores), which cannot give it real ones: pick another "
                                  "--loss for this model (its author can call loss.g_loss_lazy(fake_scores, "
                                  "score_real) instead).")
        raise NotImplementedError(f"{type(self).__name__} must override g_loss (or g_loss_pair, with paired = True)")

    def d_loss_pair(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """D's loss from its scores on real and fake data; by default ``d_loss(real, fake)``."""
        return self.d_loss(real, fake)

    def g_loss_pair(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """G's loss from D's scores on real and fake data; by default ``g_loss(fake)``."""
        return self.g_loss(fake)

    def g_loss_lazy(self, fake: torch.Tensor, score_real: Callable[[], torch.Tensor]) -> torch.Tensor:
        """G's loss for any loss, paired or not: ``score_real()`` (D's scores on a real batch) is
        called, and its result detached, only when the loss is paired, so a classic loss costs no
        extra forward pass. Every official family's G step calls this."""
        if not self.paired:
            return self.g_loss(fake)
        with torch.no_grad():
            real = score_real()
        return self.g_loss_pair(real, fake)

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


def r1_penalty(real_scores: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """R1 (Mescheder, Geiger & Nowozin 2018): E[||grad_x D(x)||^2] over real inputs, which the
    step weighs by gamma / 2 and adds to D's loss. It penalises D for a steep surface around the
    data, so D cannot win outright (its loss near 0 and G chasing it from mode to mode), the
    usual end of a long run on a small or easy dataset. ``real`` must require grad, and
    ``real_scores`` be D's scores computed from it (through any augmentation)."""
    (grad,) = torch.autograd.grad(real_scores.float().sum(), real, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


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
    """A loss by registered name (``--loss``; plugins may register more): its spec's builder
    called with ``options`` (none from ``--loss``)."""
    return load_builder(get_host().registry.losses.get(name).builder)(**options)
