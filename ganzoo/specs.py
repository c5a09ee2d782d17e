"""The frozen specs a plugin registers: models, losses, datasets, weights, feature
extractors, and the paper a model comes from. Each checks itself when made, so a bad
registration fails at load time with the plugin's name, not at first use.

No torch here: listing and describing models must stay instant. A spec names its
builder as a lazy ``"package.module:name"`` string, imported only when used: a function,
or a class called the same way (a model's ``GanModel`` subclass, a loss class).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ganzoo.errors import RegistrationError

#: Tasks of the official families; a plugin may declare another lower-case task.
KNOWN_TASKS = ("unconditional", "conditional", "image-to-image", "points-2d")
#: What a dataset yields; a model lists the kinds it accepts.
DATA_KINDS = ("points-2d", "images", "labelled-images", "unpaired-images")

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_BUILDER = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _check_name(what: str, name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise RegistrationError(
            f"{what} name {name!r} is invalid: use lower-case letters, digits, '-' or '_', "
            "starting with a letter (no dots: '.' separates a pretrained tag)."
        )


def _check_builder(name: str, builder: str) -> None:
    if not isinstance(builder, str) or not _BUILDER.match(builder):
        raise RegistrationError(
            f"{name!r}: builder {builder!r} must be a lazy 'package.module:name' string."
        )


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Paper:
    """The publication a model or loss comes from."""

    title: str
    year: int
    url: str
    authors: str = ""

    def cite(self) -> str:
        who = f"{self.authors} " if self.authors else ""
        return f'{who}({self.year}), "{self.title}", {self.url}'


@dataclass(frozen=True)
class ModelSpec:
    """A GAN family member: what it is, what data it eats, how to build it.

    ``builder`` names what ``builder(config, data)`` makes the model with: the family's
    ``GanModel`` subclass itself (``"ganzoo_mygan.model:MyGAN"``, plugin API 1.3), or a
    function returning one (``"ganzoo_mygan.model:build"``, as before)."""

    name: str
    summary: str
    task: str
    builder: str
    paper: Paper | None = None
    data_kinds: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: named bundles of settings over ``defaults``, e.g. {"paper": {"image_size": 256, ...}}
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: settings added after runs were saved without them, each with the value that reproduces
    #: the older behaviour: a resumed run whose saved config lacks one takes this value, not
    #: today's default (plugin API 1.4), e.g. {"d_conditioning": "input"}
    legacy: Mapping[str, Any] = field(default_factory=dict)
    plugin: str = ""  # set by the registry to the registering distribution

    kind = "model"

    def __post_init__(self) -> None:
        _check_name("model", self.name)
        _check_builder(self.name, self.builder)
        if not isinstance(self.task, str) or not _NAME.match(self.task):
            raise RegistrationError(
                f"model {self.name!r}: task {self.task!r} is invalid; "
                f"known tasks are {', '.join(KNOWN_TASKS)}."
            )
        kinds = tuple(self.data_kinds)
        unknown = [k for k in kinds if k not in DATA_KINDS]
        if unknown:
            raise RegistrationError(
                f"model {self.name!r}: unknown data kind(s) {unknown}; "
                f"choose from {', '.join(DATA_KINDS)}."
            )
        object.__setattr__(self, "data_kinds", kinds)
        object.__setattr__(self, "defaults", _frozen(self.defaults))
        for preset, settings in self.presets.items():
            _check_name("preset", preset)  # its keys are checked like any setting when a run resolves it
            if not isinstance(settings, Mapping):
                raise RegistrationError(f"model {self.name!r}: preset {preset!r} must be a mapping of settings.")
        object.__setattr__(self, "presets", _frozen({k: _frozen(v) for k, v in self.presets.items()}))
        stray = sorted(set(self.legacy) - set(self.defaults))
        if stray:
            raise RegistrationError(f"model {self.name!r}: legacy settings {stray} are not among its defaults.")
        object.__setattr__(self, "legacy", _frozen(self.legacy))

    @property
    def qualified_name(self) -> str:
        return f"{self.plugin}:{self.name}"

    def with_legacy(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """A config saved before some of ``legacy``'s settings existed, with their legacy values."""
        return {**{k: v for k, v in self.legacy.items() if k not in saved}, **saved}


@dataclass(frozen=True)
class LossSpec:
    """An adversarial objective selectable with ``--loss``."""

    name: str
    summary: str
    builder: str
    paper: Paper | None = None
    plugin: str = ""

    kind = "loss"

    def __post_init__(self) -> None:
        _check_name("loss", self.name)
        _check_builder(self.name, self.builder)

    @property
    def qualified_name(self) -> str:
        return f"{self.plugin}:{self.name}"

    def with_legacy(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """A config saved before some of ``legacy``'s settings existed, with their legacy values."""
        return {**{k: v for k, v in self.legacy.items() if k not in saved}, **saved}


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset selectable with ``--data``: what it yields and where it comes from."""

    name: str
    summary: str
    kind_of_data: str
    builder: str
    size: int | None = None
    source: str = ""
    offline: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    plugin: str = ""

    kind = "dataset"

    def __post_init__(self) -> None:
        _check_name("dataset", self.name)
        _check_builder(self.name, self.builder)
        if self.kind_of_data not in DATA_KINDS:
            raise RegistrationError(
                f"dataset {self.name!r}: kind_of_data {self.kind_of_data!r} is unknown; "
                f"choose from {', '.join(DATA_KINDS)}."
            )
        object.__setattr__(self, "options", _frozen(self.options))

    @property
    def qualified_name(self) -> str:
        return f"{self.plugin}:{self.name}"

    def with_legacy(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """A config saved before some of ``legacy``'s settings existed, with their legacy values."""
        return {**{k: v for k, v in self.legacy.items() if k not in saved}, **saved}


@dataclass(frozen=True)
class WeightsSpec:
    """Pretrained weights: where to fetch them, how to verify them, what they are."""

    model: str
    tag: str
    urls: tuple[str, ...]
    sha256: str
    size: int
    format: str = "safetensors"
    license: str = ""
    dataset: str = ""
    command: str = ""
    metrics: Mapping[str, Any] = field(default_factory=dict)
    default: bool = False
    plugin: str = ""

    kind = "weights"

    def __post_init__(self) -> None:
        _check_name("model", self.model)
        _check_name("weights tag", self.tag)
        urls = (self.urls,) if isinstance(self.urls, str) else tuple(self.urls)
        if not urls:
            raise RegistrationError(f"weights {self.model}.{self.tag}: give at least one URL.")
        if not isinstance(self.sha256, str) or not _SHA256.match(self.sha256):
            raise RegistrationError(
                f"weights {self.model}.{self.tag}: sha256 must be the full 64-character "
                "lower-case hex digest of the file."
            )
        if not isinstance(self.size, int) or self.size <= 0:
            raise RegistrationError(
                f"weights {self.model}.{self.tag}: size must be the file size in bytes."
            )
        object.__setattr__(self, "urls", urls)
        object.__setattr__(self, "metrics", _frozen(self.metrics))

    @property
    def name(self) -> str:
        return f"{self.model}.{self.tag}"

    @property
    def qualified_name(self) -> str:
        return f"{self.plugin}:{self.name}"

    def with_legacy(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """A config saved before some of ``legacy``'s settings existed, with their legacy values."""
        return {**{k: v for k, v in self.legacy.items() if k not in saved}, **saved}


@dataclass(frozen=True)
class FeatureSpec:
    """A feature network for FID-style scores, selectable with ``--features``.

    ``builder(argument, data, weights)`` returns a ``ganzoo.metrics.features.FeatureExtractor``.
    An extractor with an ``argument`` takes what follows its name and a colon
    (``timm:resnet18``, ``classifier:digits``); its builder says if one is missing.
    """

    name: str
    summary: str
    builder: str
    offline: bool = True  # usable with no network and no file from the user
    argument: str = ""  # how the argument is shown in listings, e.g. ":<model>" or "[:<dataset>]"
    plugin: str = ""

    kind = "features"

    def __post_init__(self) -> None:
        _check_name("feature extractor", self.name)
        _check_builder(self.name, self.builder)

    @property
    def qualified_name(self) -> str:
        return f"{self.plugin}:{self.name}"

    def with_legacy(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """A config saved before some of ``legacy``'s settings existed, with their legacy values."""
        return {**{k: v for k, v in self.legacy.items() if k not in saved}, **saved}


Spec = ModelSpec | LossSpec | DatasetSpec | WeightsSpec | FeatureSpec


def as_dict(spec: Spec | Paper) -> dict[str, Any]:
    """A JSON-ready dict of a spec (frozen mappings become dicts, the paper nested)."""
    out: dict[str, Any] = {}
    for name in spec.__dataclass_fields__:
        value = getattr(spec, name)
        if isinstance(value, Paper):
            value = as_dict(value)
        elif isinstance(value, Mapping):
            value = {k: dict(v) if isinstance(v, Mapping) else v for k, v in value.items()}
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    if not isinstance(spec, Paper):
        out["qualified_name"] = spec.qualified_name
    return out
