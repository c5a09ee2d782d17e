"""Scoring a run while it trains (``--eval-every N``).

The Trainer sits below evaluation and must not import it, so the API (``ganzoo.train``)
and the CLI hand it this factory: ``during_training(trainer)`` builds the Evaluator
once (its feature network and the real features) and returns a function that scores
the run's current sampling nets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ganzoo.artifacts.loading import LoadedModel
from ganzoo.services.evaluation import Evaluator


def during_training(trainer: Any) -> Callable[[], dict[str, Any]]:
    cfg = trainer.config
    evaluator = Evaluator(trainer.data, trainer.data_info.kind, trainer.spec.task, cfg["eval_metrics"],
                          cfg["eval_features"], n=cfg["eval_samples"], seed=cfg["seed"])

    def score() -> dict[str, Any]:
        run = trainer.run
        nets = run.sampling_nets()  # eval-mode: EMA shadows, or copies of the live weights
        meta = {"model": trainer.spec.name, "plugin": trainer.spec.plugin, "step": run.step}
        return evaluator.result(LoadedModel(trainer.model, nets, meta, None, ema=run.ema is not None))

    return score
