"""A pytest plugin that breaks every GAN the same way: G's adversarial loss changes sign, so G
learns to look *less* like the data. Loaded by bench/learning_checks.py (``-p sabotage``);
never by the suite."""

from __future__ import annotations


def pytest_configure(config) -> None:  # noqa: ANN001 - pytest's hook signature
    from ganzoo.losses import AdversarialLoss

    honest = AdversarialLoss.g_loss_lazy

    def flipped(self, fake, score_real):  # noqa: ANN001, ANN202
        return -honest(self, fake, score_real)

    AdversarialLoss.g_loss_lazy = flipped
