"""Error classes: each message tells the user what went wrong and what to do next."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AmbiguousNameError",
    "DataError",
    "DatasetUnavailableError",
    "IncompatibleDataError",
    "GanzooError",
    "PluginError",
    "PushError",
    "RegistrationError",
    "UnknownDatasetError",
    "UnknownFeaturesError",
    "UnknownLossError",
    "UnknownModelError",
    "UnknownNameError",
    "UnknownWeightsError",
]


class GanzooError(Exception):
    """Base class of every error ganzoo raises on purpose."""


class UnknownNameError(GanzooError, LookupError):
    """A name that nothing registered; the message suggests close names."""

    kind = "name"
    list_command = "ganzoo list"

    def __init__(self, name: str, suggestions: Iterable[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        message = f"unknown {self.kind} {name!r}."
        if self.suggestions:
            message += " Did you mean: " + ", ".join(self.suggestions) + "?"
        message += f" Run `{self.list_command}` to see what is installed."
        super().__init__(message)

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return str(self.args[0])


class UnknownModelError(UnknownNameError):
    kind = "model"
    list_command = "ganzoo list"


class UnknownLossError(UnknownNameError):
    kind = "loss"
    list_command = "ganzoo losses"


class UnknownDatasetError(UnknownNameError):
    kind = "dataset"
    list_command = "ganzoo datasets"


class UnknownFeaturesError(UnknownNameError):
    kind = "feature extractor"
    list_command = "ganzoo features"


class UnknownWeightsError(UnknownNameError):
    kind = "pretrained weights"
    list_command = "ganzoo list"


class AmbiguousNameError(GanzooError, LookupError):
    """A bare name that two distributions both registered: the user must qualify it."""

    def __init__(self, kind: str, name: str, qualified: Iterable[str]) -> None:
        self.name = name
        self.qualified = sorted(qualified)
        super().__init__(
            f"{kind} name {name!r} is registered by more than one plugin; "
            f"use a qualified name: {', '.join(self.qualified)}."
        )

    def __str__(self) -> str:
        return str(self.args[0])


class RegistrationError(GanzooError, ValueError):
    """A plugin registered something malformed or the same name twice."""


class PluginError(GanzooError):
    """A plugin failed to import or register (raised only in strict mode)."""


class DownloadError(GanzooError):
    """No URL gave a file with the expected hash; the message lists what each one did.
    (Here, not in ``ganzoo.io.download``, so ``ganzoo.plugin`` offers it without importing urllib.)"""


class PushError(GanzooError):
    """Publishing exported weights failed (``ganzoo export --push``): no plugin for the URL's
    scheme, a malformed URL, or the remote refused; the message says which and what to do."""


class DataError(GanzooError):
    """Data that cannot be used: a missing folder, no images, corrupt files under --strict-data."""


class DatasetUnavailableError(DataError):
    """A dataset that must be downloaded but could not be (offline); says where to put the files."""


class IncompatibleDataError(DataError):
    """A model was given a kind of data it cannot train on; names datasets that fit."""


class ModelSettingsError(GanzooError, ValueError):
    """A model family refused its settings (an image size its nets cannot take, ...)."""
