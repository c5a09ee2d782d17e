"""The lookup of names a person types, over the specs plugins register (``ganzoo.specs``).

No torch here: listing, searching and describing models must stay instant. A spec
names its builder as a lazy ``"package.module:name"`` string (a function or a class)
that is only imported when something is built.

Names are lower-case (``dcgan``). A name is qualified by the distribution that
registered it (``ganzoo-dcgan:dcgan``) and pretrained weights are picked with
``name.tag`` (``dcgan.shapes``). Two distributions may register the same bare name;
looking that name up is then an error listing the qualified names: nothing is
silently overwritten.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
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
from ganzoo.specs import (
    DATA_KINDS,
    KNOWN_TASKS,
    DatasetSpec,
    FeatureSpec,
    LossSpec,
    ModelSpec,
    Paper,
    Spec,
    WeightsSpec,
    as_dict,
)

__all__ = [
    "DATA_KINDS",
    "KNOWN_TASKS",
    "DatasetSpec",
    "FailedPlugin",
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

S = TypeVar("S", ModelSpec, LossSpec, DatasetSpec, WeightsSpec, FeatureSpec)


@dataclass(frozen=True)
class FailedPlugin:
    """A plugin that failed to load or register: kept so that a name it would have
    provided is reported as its failure, not as an unknown name."""

    name: str  # the distribution
    entry_point: str
    module: str
    error: str
    names: dict[str, list[str]] = field(default_factory=dict)  # kind -> names it registered before failing

    def claims(self, kind: str, name: str) -> bool:
        """Whether ``name`` (bare or qualified) plausibly belongs to this plugin."""
        plugin, _, bare = name.rpartition(":")
        if plugin:
            return plugin == self.name
        stem = self.name.removeprefix("ganzoo-")
        return bare in self.names.get(kind, ()) or bare in (self.entry_point, stem, self.name)


def failure_note(failures: Iterable[FailedPlugin], kind: str, name: str) -> str | None:
    """What to say instead of (or after) "unknown <kind>" when plugins failed to load."""
    failures = list(failures)
    mine = [f for f in failures if f.claims(kind, name)]
    if mine:
        f = mine[0]
        return (f"{kind} {name!r} belongs to plugin {f.name!r} ({f.module}), which failed to load and was skipped: "
                f"{f.error}. Fix or reinstall the plugin; `ganzoo --traceback plugins` shows the full traceback.")
    if failures:
        names = ", ".join(f.name for f in failures)
        return f"(Plugin(s) that failed to load and might provide it: {names}; `ganzoo plugins` says why.)"
    return None


def disabled_note(disabled: Iterable[FailedPlugin], kind: str, name: str) -> str | None:
    """What to say instead of "unknown <kind>" when the plugin that provides it was turned off."""
    mine = [f for f in disabled if f.claims(kind, name)]
    if mine:
        return (f"{kind} {name!r} belongs to plugin {mine[0].name!r}, which is disabled in this environment "
                "(GANZOO_DISABLE_PLUGINS or GANZOO_LOAD_PLUGINS): take it off that list to use it.")
    return None


class _Table(Generic[S]):
    """Specs of one kind by bare name; each name may come from several distributions."""

    def __init__(self, kind: str, unknown: type[UnknownNameError], failures: list[FailedPlugin] | None = None,
                 disabled: list[FailedPlugin] | None = None) -> None:
        self.kind = kind
        self._unknown = unknown
        self._by_name: dict[str, dict[str, S]] = {}
        self._failures = failures if failures is not None else []
        self._disabled = disabled if disabled is not None else []

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
            raise self.missing(name)
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            raise AmbiguousNameError(self.kind, bare, (s.qualified_name for s in found.values()))
        raise self.missing(name)

    def missing(self, name: str) -> UnknownNameError:
        """The error for a name nothing registered, naming a plugin that failed to load if one claims it."""
        note = disabled_note(self._disabled, self.kind, name) or failure_note(self._failures, self.kind, name)
        if note and not note.startswith("("):
            return _with_message(self._unknown(name), note)
        err = self._unknown(name, self.suggest(name))
        return _with_message(err, f"{err.args[0]} {note}") if note else err

    def suggest(self, name: str) -> list[str]:
        known = list(self._by_name) + [s.qualified_name for s in self]
        return difflib.get_close_matches(name, known, n=3, cutoff=0.6)


class Registry:
    """Every spec the loaded plugins registered, looked up by the names users type."""

    def __init__(self) -> None:
        #: plugins that failed to load or register (``PluginHost`` fills it)
        self.failures: list[FailedPlugin] = []
        #: entry-point plugins turned off by GANZOO_DISABLE_PLUGINS / GANZOO_LOAD_PLUGINS
        self.disabled: list[FailedPlugin] = []
        tables = (self.failures, self.disabled)
        self.models: _Table[ModelSpec] = _Table("model", UnknownModelError, *tables)
        self.losses: _Table[LossSpec] = _Table("loss", UnknownLossError, *tables)
        self.datasets: _Table[DatasetSpec] = _Table("dataset", UnknownDatasetError, *tables)
        self.weights: _Table[WeightsSpec] = _Table("weights", UnknownWeightsError, *tables)
        self.features: _Table[FeatureSpec] = _Table("feature extractor", UnknownFeaturesError, *tables)

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


def _with_message(err: UnknownNameError, message: str) -> UnknownNameError:
    err.args = (message,)
    return err


def _pick_tag(model: str, available: list[WeightsSpec]) -> WeightsSpec:
    tags = ", ".join(f"{model}.{w.tag}" for w in available)
    raise UnknownWeightsError(f"{model} (no default tag; choose one of {tags})", [])


def load_builder(reference: str) -> Any:
    """Import what a lazy ``"package.module:attribute"`` string names (only when it is used):
    a function or a class alike, as callers only call it."""
    import importlib  # lazy: the registry is imported by every command; only a build needs this

    module, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module), attr)


def split_tag(name: str) -> tuple[str, str | None]:
    """``'ganzoo-dcgan:dcgan.shapes'`` -> ``('ganzoo-dcgan:dcgan', 'shapes')``."""
    plugin, colon, rest = name.rpartition(":")
    bare, dot, tag = rest.partition(".")
    return plugin + colon + bare, (tag if dot else None)
