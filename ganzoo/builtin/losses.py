"""Built-in adversarial losses, registered through the losses hook."""

from __future__ import annotations

from ganzoo.hookspecs import hookimpl
from ganzoo.registry import LossSpec, Paper

GOODFELLOW = Paper("Generative Adversarial Nets", 2014, "https://arxiv.org/abs/1406.2661", "Goodfellow et al.")


@hookimpl
def ganzoo_register_losses(register) -> None:  # noqa: ANN001
    register(LossSpec("minimax", "Original saturating objective: G minimises log(1 - D(G(z))).",
                      "ganzoo.losses:MinimaxLoss", GOODFELLOW))
    register(LossSpec("non-saturating", "G maximises log D(G(z)) instead: strong gradients early on.",
                      "ganzoo.losses:NonSaturatingLoss", GOODFELLOW))
    register(LossSpec("least-squares", "LSGAN: squared distance of scores to targets 1 (real) and 0 (fake).",
                      "ganzoo.losses:LeastSquaresLoss",
                      Paper("Least Squares Generative Adversarial Networks", 2017,
                            "https://arxiv.org/abs/1611.04076", "Mao et al.")))
    register(LossSpec("wasserstein", "WGAN critic: E[D(fake)] - E[D(real)]; needs a Lipschitz critic (clipping).",
                      "ganzoo.losses:WassersteinLoss",
                      Paper("Wasserstein GAN", 2017, "https://arxiv.org/abs/1701.07875", "Arjovsky et al.")))
    register(LossSpec("wasserstein-gp", "WGAN with a gradient penalty (lambda = 10) instead of clipping.",
                      "ganzoo.losses:WassersteinGPLoss",
                      Paper("Improved Training of Wasserstein GANs", 2017, "https://arxiv.org/abs/1704.00028",
                            "Gulrajani et al.")))
    register(LossSpec("hinge", "Hinge loss: relu(1 - D(real)) + relu(1 + D(fake)); G: -D(fake).",
                      "ganzoo.losses:HingeLoss",
                      Paper("Geometric GAN", 2017, "https://arxiv.org/abs/1705.02894", "Lim & Ye")))
