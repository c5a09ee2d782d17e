"""ganzoo: a plugin-based zoo of Generative Adversarial Networks.

The API is lazy: ``import ganzoo`` loads neither torch nor any plugin. Plugins are
discovered the first time something asks for the registry.
"""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI

from typing import TYPE_CHECKING, Any

from ganzoo._version import __version__
from ganzoo.errors import (
    AmbiguousNameError,
    DataError,
    DatasetUnavailableError,
    GanzooError,
    IncompatibleDataError,
    PluginError,
    RegistrationError,
    UnknownDatasetError,
    UnknownLossError,
    UnknownModelError,
    UnknownNameError,
    UnknownWeightsError,
)
from ganzoo.hookspecs import hookimpl

if TYPE_CHECKING:
    from pathlib import Path

    import torch

    from ganzoo.registry import ModelSpec, Registry
    from ganzoo.styles import StyleMix
    from ganzoo.training.run import Run

__all__ = [
    "AmbiguousNameError",
    "DataError",
    "DatasetUnavailableError",
    "GanzooError",
    "IncompatibleDataError",
    "PluginError",
    "RegistrationError",
    "UnknownDatasetError",
    "UnknownLossError",
    "UnknownModelError",
    "UnknownNameError",
    "UnknownWeightsError",
    "__version__",
    "evaluate",
    "get_spec",
    "hookimpl",
    "interpolate",
    "list_models",
    "load",
    "get_registry",
    "mix",
    "sample",
    "train",
    "translate",
]


def get_registry() -> Registry:
    """Everything the installed plugins registered (loads plugins on first call)."""
    from ganzoo.plugins import get_host

    return get_host().registry


def list_models(pattern: str | None = None, task: str | None = None) -> list[ModelSpec]:
    """Registered models, optionally filtered by an fnmatch pattern (``'*gan*'``) and task."""
    return get_registry().list_models(pattern, task)


def train(model: str | None = None, data: str | Path | None = None, **kwargs: Any) -> Run:
    """Train ``model`` on ``data`` (dataset name or folder); keyword arguments override any
    setting (``steps=500, lr=1e-4``) or name ``out``, ``resume``, ``config_file``, ``quiet``."""
    from ganzoo.live_eval import during_training
    from ganzoo.training.trainer import train as _train

    return _train(model, data, evaluator=during_training, **kwargs)


def load(source: str | Path, direction: str = "a2b") -> torch.nn.Module:
    """The trained generator of a run folder or checkpoint (EMA weights where kept)."""
    from ganzoo.loading import load as _load

    return _load(source, direction)


def sample(source: str | Path, n: int = 64, labels: Any = None, seed: int = 0,
           truncation: float | None = None) -> torch.Tensor:
    """``n`` samples (images in [-1, 1], or 2D points) from a run folder or checkpoint."""
    from ganzoo.loading import sample as _sample

    return _sample(source, n, labels=labels, seed=seed, truncation=truncation)


def mix(source: str | Path, rows: int = 4, cols: int = 6, crossover: int | None = None, seed: int = 0,
        truncation: float | None = None) -> StyleMix:
    """Style mixing for a style model (``ganzoo mix``): ``.cells[i, j]`` has the coarse
    styles of ``.rows[i]`` and the fine ones of ``.cols[j]``; ``.figure()`` lays them out."""
    from ganzoo.styles import mix as _mix

    return _mix(source, rows, cols, crossover, seed, truncation)


def interpolate(source: str | Path, frames: int = 60, n: int = 4, keys: int = 4, seed: int = 0,
                truncation: float | None = None) -> torch.Tensor:
    """A looping latent walk (``ganzoo interpolate``): (frames, n, C, H, W) images in [-1, 1];
    lerp in W for style models, slerp in z for other image models. ``ganzoo.styles.write_gif`` saves it."""
    from ganzoo.styles import interpolate as _interpolate

    return _interpolate(source, frames, n, keys, seed, truncation)


def translate(source: str | Path, images: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
    """Translate a batch of images in [-1, 1] (N, C, H, W) with an image-to-image run or checkpoint."""
    from ganzoo.loading import translate as _translate

    return _translate(source, images, direction)


def evaluate(source: str | Path, data: str | Path | None = None, **kwargs: Any) -> dict[str, Any]:
    """Score a run or checkpoint: ``{"scores": {...}, "provenance": {...}}``.

    Keyword arguments: ``metrics``, ``features``, ``features_weights``, ``n``, ``seed``,
    ``split``, ``device``, ``out`` (a JSON file); see ``ganzoo.evaluation.evaluate``.
    """
    from ganzoo.evaluation import evaluate as _evaluate

    return _evaluate(source, data, **kwargs)


def get_spec(name: str) -> ModelSpec:
    """A model's spec by bare (``dcgan``), qualified (``ganzoo-dcgan:dcgan``) or tagged name."""
    return get_registry().get_model(name)
