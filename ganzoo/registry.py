"""Frozen specs for what plugins register, and the lookup of names a person types.

No torch here: listing, searching and describing models must stay instant. A spec
names its builder as a lazy ``"package.module:function"`` string that is only
imported when something is built.

Names are lower-case (``dcgan``). A name is qualified by the distribution that
registered it (``ganzoo-dcgan:dcgan``) and pretrained weights are picked with
``name.tag`` (``dcgan.shapes``). Two distributions may register the same bare name;
looking that name up is then an error listing the qualified names: nothing is
silently overwritten.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from ganzoo.errors import (
    AmbiguousNameError,
    RegistrationError,
    UnknownDatasetError,
    UnknownFeaturesError,
    UnknownLossError,
    UnknownModelError,
    UnknownNameError,
    UnknownWeightsError,
)

__all__ = [
    "DATA_KINDS",
    "KNOWN_TASKS",
    "DatasetSpec",
    "FeatureSpec",
    "LossSpec",
    "ModelSpec",
    "Paper",
    "Registry",
    "Spec",
    "WeightsSpec",
    "as_dict",
    "load_builder",
    "split_tag",
]

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
            f"{name!r}: builder {builder!r} must be a lazy 'package.module:function' string."
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
    """A GAN family member: what it is, what data it eats, how to build it."""

    name: str
    summary: str
    task: str
    builder: str
    paper: Paper | None = None
    data_kinds: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: named bundles of settings over ``defaults``, e.g. {"paper": {"image_size": 256, ...}}
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
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

    @property
    def qualified_name(self) -> str:
        return f"{self.plugin}:{self.name}"


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


Spec = ModelSpec | LossSpec | DatasetSpec | WeightsSpec | FeatureSpec
S = TypeVar("S", ModelSpec, LossSpec, DatasetSpec, WeightsSpec, FeatureSpec)


class _Table(Generic[S]):
    """Specs of one kind by bare name; each name may come from several distributions."""

    def __init__(self, kind: str, unknown: type[UnknownNameError]) -> None:
        self.kind = kind
        self._unknown = unknown
        self._by_name: dict[str, dict[str, S]] = {}

    def check_new(self, spec: S) -> None:
        if spec.plugin in self._by_name.get(spec.name, {}):
            raise RegistrationError(
                f"plugin {spec.plugin!r} registers {self.kind} {spec.name!r} twice."
            )

    def add(self, spec: S) -> None:
        self.check_new(spec)
        self._by_name.setdefault(spec.name, {})[spec.plugin] = spec

    def __iter__(self) -> Iterator[S]:
        for name in sorted(self._by_name):
            yield from (self._by_name[name][p] for p in sorted(self._by_name[name]))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_name.values())

    def candidates(self, name: str) -> dict[str, S]:
        return self._by_name.get(name, {})

    def get(self, name: str) -> S:
        plugin, _, bare = name.rpartition(":")
        found = self.candidates(bare)
        if plugin:
            if plugin in found:
                return found[plugin]
            raise self._unknown(name, self.suggest(name))
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            raise AmbiguousNameError(self.kind, bare, (s.qualified_name for s in found.values()))
        raise self._unknown(name, self.suggest(name))

    def suggest(self, name: str) -> list[str]:
        known = list(self._by_name) + [s.qualified_name for s in self]
        return difflib.get_close_matches(name, known, n=3, cutoff=0.6)


class Registry:
    """Every spec the loaded plugins registered, looked up by the names users type."""

    def __init__(self) -> None:
        self.models: _Table[ModelSpec] = _Table("model", UnknownModelError)
        self.losses: _Table[LossSpec] = _Table("loss", UnknownLossError)
        self.datasets: _Table[DatasetSpec] = _Table("dataset", UnknownDatasetError)
        self.weights: _Table[WeightsSpec] = _Table("weights", UnknownWeightsError)
        self.features: _Table[FeatureSpec] = _Table("feature extractor", UnknownFeaturesError)

    def _table(self, spec: Spec) -> _Table[Any]:
        return {
            "model": self.models,
            "loss": self.losses,
            "dataset": self.datasets,
            "weights": self.weights,
            "features": self.features,
        }[spec.kind]

    def add_all(self, plugin: str, specs: Iterable[Spec]) -> list[Spec]:
        """Add one plugin's specs all together, or none of them if any is refused."""
        stamped = [replace(spec, plugin=plugin) for spec in specs]
        seen: set[tuple[str, str]] = set()
        for spec in stamped:
            key = (spec.kind, spec.name)
            if key in seen:
                raise RegistrationError(f"plugin {plugin!r} registers {spec.kind} {spec.name!r} twice.")
            seen.add(key)
            self._table(spec).check_new(spec)
        for spec in stamped:
            self._table(spec).add(spec)
        return stamped

    # -- models ---------------------------------------------------------------
    def list_models(self, pattern: str | None = None, task: str | None = None) -> list[ModelSpec]:
        """Models whose bare or qualified name matches the fnmatch ``pattern``."""
        found = []
        for spec in self.models:
            if pattern and not (
                fnmatch.fnmatchcase(spec.name, pattern)
                or fnmatch.fnmatchcase(spec.qualified_name, pattern)
            ):
                continue
            if task and spec.task != task:
                continue
            found.append(spec)
        return found

    def get_model(self, name: str) -> ModelSpec:
        """A model by bare, qualified or ``name.tag`` name (the tag is ignored here)."""
        return self.models.get(split_tag(name)[0])

    def weights_for(self, model: ModelSpec) -> list[WeightsSpec]:
        """Pretrained weights declared for this model (by any plugin), default first."""
        found = [w for w in self.weights if w.model == model.name]
        others = [m for m in self.models.candidates(model.name).values() if m is not model]
        if others:  # the name is shared: only weights from the model's own plugin belong to it
            found = [w for w in found if w.plugin == model.plugin]
        return sorted(found, key=lambda w: (not w.default, w.tag))

    def get_weights(self, name: str) -> WeightsSpec:
        """Weights by ``model.tag`` (or a bare model name for its default tag)."""
        model_name, tag = split_tag(name)
        model = self.get_model(model_name)
        available = self.weights_for(model)
        if tag is None:
            if not available:
                raise UnknownWeightsError(name, [])
            return available[0] if available[0].default or len(available) == 1 else _pick_tag(
                model_name, available
            )
        for weights in available:
            if weights.tag == tag:
                return weights
        raise UnknownWeightsError(
            name, difflib.get_close_matches(name, [w.name for w in available], n=3, cutoff=0.5)
        )


    def get_features(self, name: str) -> tuple[FeatureSpec, str | None]:
        """A feature extractor and its argument: ``'inception'`` -> (spec, None),
        ``'timm:resnet18'`` -> (the parametric ``timm`` spec, ``'resnet18'``)."""
        family, colon, argument = name.partition(":")
        if colon:
            takes_argument = [s for s in self.features.candidates(family).values() if s.argument]
            if len(takes_argument) == 1:
                return takes_argument[0], argument or None
        return self.features.get(name), None


def _pick_tag(model: str, available: list[WeightsSpec]) -> WeightsSpec:
    tags = ", ".join(f"{model}.{w.tag}" for w in available)
    raise UnknownWeightsError(f"{model} (no default tag; choose one of {tags})", [])


def load_builder(reference: str) -> Any:
    """Import what a lazy ``"package.module:attribute"`` string names (only when it is used)."""
    import importlib

    module, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module), attr)


def split_tag(name: str) -> tuple[str, str | None]:
    """``'ganzoo-dcgan:dcgan.shapes'`` -> ``('ganzoo-dcgan:dcgan', 'shapes')``."""
    plugin, colon, rest = name.rpartition(":")
    bare, dot, tag = rest.partition(".")
    return plugin + colon + bare, (tag if dot else None)


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
