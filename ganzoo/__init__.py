"""ganzoo: a plugin-based zoo of Generative Adversarial Networks.

The API is lazy: ``import ganzoo`` loads neither torch nor any plugin. Plugins are
discovered the first time something asks for the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    from ganzoo.registry import ModelSpec, Registry

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
    "get_spec",
    "hookimpl",
    "list_models",
    "registry",
]


def registry() -> Registry:
    """Everything the installed plugins registered (loads plugins on first call)."""
    from ganzoo.plugins import get_host

    return get_host().registry


def list_models(pattern: str | None = None, task: str | None = None) -> list[ModelSpec]:
    """Registered models, optionally filtered by an fnmatch pattern (``'*gan*'``) and task."""
    return registry().list_models(pattern, task)


def get_spec(name: str) -> ModelSpec:
    """A model's spec by bare (``dcgan``), qualified (``ganzoo-dcgan:dcgan``) or tagged name."""
    return registry().get_model(name)
