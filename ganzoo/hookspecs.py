"""The plugin contract: every hook a ganzoo plugin may implement, and its version.

Registration hooks receive a ``register`` callback and call it once per spec; they
run once per process, when something first asks for the registry. Trainer hooks
fire around the training loop. Implement a hook with ``@hookimpl`` (from
``ganzoo.plugin``, the public module for plugin authors).

Versioning: ``PLUGIN_API`` is ``"MAJOR.MINOR"``. A minor release only adds (hooks,
arguments, exports of ``ganzoo.plugin``); a major one may remove or change them. A
plugin states the range it supports in its entry module
(``GANZOO_PLUGIN_API = ">=1.0,<2"``); ganzoo reports and skips a plugin whose range
excludes the running API, as it does a broken one. A hook on its way out is marked
``@hookspec(warn_on_impl=DeprecationWarning("..."))`` for at least one minor version
before the next major removes it: a plugin implementing it then gets pluggy's
warning, pointing at its own function, when it is loaded.
"""

from __future__ import annotations

from typing import Any

import pluggy

__all__ = ["PLUGIN_API", "PROJECT", "hookimpl", "hookspec"]

PROJECT = "ganzoo"
#: the version of the plugin contract: this module's hooks and the names ``ganzoo.plugin`` exports.
#: 1.1 added ``StyleGenerator``; 1.2 ``ganzoo_push_weights``, ``ganzoo_push_accepts``, the transport
#: errors and ``Augment``; 1.3 lets a ``ModelSpec`` builder name the ``GanModel`` subclass itself
#: and gives ``GanModel`` a default Adam ``build_optimizers`` and ``adam_optimizers``; 1.4 adds
#: ``r1_penalty`` and a spec's ``legacy`` settings; 1.5 a ``Generator``'s categorical code
#: (``codes``, ``code_of``, ``with_code``), which ``ganzoo sample --code`` picks.
PLUGIN_API = "1.5"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ganzoo_register_models(register: Any) -> None:
    """Register model families: call ``register(ModelSpec(...))`` once per model."""


@hookspec
def ganzoo_register_losses(register: Any) -> None:
    """Register adversarial losses: call ``register(LossSpec(...))`` once per loss."""


@hookspec
def ganzoo_register_datasets(register: Any) -> None:
    """Register datasets: call ``register(DatasetSpec(...))`` once per dataset."""


@hookspec
def ganzoo_register_weights(register: Any) -> None:
    """Register pretrained weights: call ``register(WeightsSpec(...))`` once per file."""


@hookspec
def ganzoo_register_features(register: Any) -> None:
    """Register feature extractors for FID-style scores: call ``register(FeatureSpec(...))``."""


@hookspec(firstresult=True)
def ganzoo_fetch_weights(url: str, destination: str) -> bool | None:
    """Download ``url`` (a scheme the core does not know) to ``destination``; return True if handled."""


@hookspec(firstresult=True)
def ganzoo_push_weights(url: str, folder: str) -> str | None:
    """Upload every file of ``folder`` to ``url`` (``ganzoo export --push``); return where it landed, or None."""


@hookspec(firstresult=True)
def ganzoo_push_accepts(url: str) -> bool | None:
    """Check ``url`` before ``--push`` exports anything (no network): True if yours and well-formed, else None."""


@hookspec
def ganzoo_train_start(run: Any) -> None:
    """Called on every rank before the first step, with the run (config, paths, models, world)."""


@hookspec
def ganzoo_train_step_end(run: Any, step: int, metrics: dict[str, float]) -> None:
    """Called on rank 0 after each logged training step with its losses and timings."""


@hookspec
def ganzoo_sample(run: Any, step: int, path: str) -> None:
    """Called on rank 0 after a fixed-noise sample grid was written to ``path``."""


@hookspec
def ganzoo_checkpoint(run: Any, step: int, path: str) -> None:
    """Called on rank 0 after a checkpoint was written atomically to ``path``."""


@hookspec
def ganzoo_evaluate(run: Any, step: int, results: dict[str, Any]) -> None:
    """Called on rank 0 after an in-training evaluation (``--eval-every``) with its scores and provenance."""


@hookspec
def ganzoo_train_end(run: Any, summary: dict[str, Any]) -> None:
    """Called on every rank when training stops (finished, interrupted, diverged, failed) with a summary."""
