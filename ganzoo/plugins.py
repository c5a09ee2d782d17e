"""The pluggy PluginManager: the core's built-in plugins plus ``ganzoo`` entry points.

Plugins are loaded one by one. A plugin that fails to import, implements a hook that
does not exist (a misspelling), or registers something malformed is recorded with
its error, warned about once, and skipped; every other plugin keeps working.
``GANZOO_STRICT_PLUGINS=1`` re-raises instead (for tests and plugin authors).

Environment:
    GANZOO_LOAD_PLUGINS     comma list of entry-point plugins to load; empty = none
    GANZOO_DISABLE_PLUGINS  comma list of entry-point plugins to skip
    GANZOO_STRICT_PLUGINS   1 = a broken plugin raises PluginError
Plugins are named by distribution (``ganzoo-dcgan``) or entry-point name (``dcgan``).
The core's own built-in plugins always load.
"""

from __future__ import annotations

import difflib
import importlib
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from ganzoo import hookspecs
from ganzoo._version import __version__
from ganzoo.errors import PluginError, RegistrationError
from ganzoo.registry import DatasetSpec, FeatureSpec, LossSpec, ModelSpec, Registry, Spec, WeightsSpec

__all__ = ["PluginHost", "PluginInfo", "PluginWarning", "get_host", "reset_host"]

CORE_DISTRIBUTION = "ganzoo"
#: The core's own features are ordinary plugins (the llm pattern).
BUILTIN_PLUGINS: tuple[str, ...] = ("ganzoo.builtin.datasets", "ganzoo.builtin.losses", "ganzoo.builtin.features",
                                     "ganzoo.builtin.jsonl_logger")

REGISTRATION_HOOKS: Mapping[str, type] = {
    "ganzoo_register_models": ModelSpec,
    "ganzoo_register_losses": LossSpec,
    "ganzoo_register_datasets": DatasetSpec,
    "ganzoo_register_weights": WeightsSpec,
    "ganzoo_register_features": FeatureSpec,
}
HOOK_NAMES = tuple(n for n in dir(hookspecs) if n.startswith("ganzoo_"))


class PluginWarning(UserWarning):
    """A plugin was skipped because it is broken."""


@dataclass
class PluginInfo:
    """What ``ganzoo plugins`` shows about one plugin."""

    name: str  # the distribution, e.g. "ganzoo-dcgan"
    version: str
    source: str  # "builtin", "entry point" or "manual"
    module: str
    entry_point: str = ""
    status: str = "ok"  # "ok", "error" or "disabled"
    error: str = ""
    hooks: list[str] = field(default_factory=list)
    registered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return self.registered.get("model", [])

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "module": self.module,
            "entry_point": self.entry_point,
            "status": self.status,
            "error": self.error,
            "hooks": list(self.hooks),
            "registered": {k: list(v) for k, v in self.registered.items()},
        }


def _names(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {_normalise(v) for v in value.split(",") if v.strip()}


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


class PluginHost:
    """Loads plugins, builds the registry from their registration hooks, relays trainer hooks."""

    def __init__(
        self,
        *,
        builtins: bool = True,
        entry_points: bool = True,
        extra: Iterable[tuple[str, Any]] = (),
        environ: Mapping[str, str] | None = None,
        strict: bool | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.strict = env.get("GANZOO_STRICT_PLUGINS", "") not in ("", "0") if strict is None else strict
        self._only = _names(env.get("GANZOO_LOAD_PLUGINS"))
        self._disabled = _names(env.get("GANZOO_DISABLE_PLUGINS")) or set()
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.registry = Registry()
        self.plugins: list[PluginInfo] = []
        self._loaded: list[tuple[PluginInfo, Any]] = []

        if builtins:
            for module in BUILTIN_PLUGINS:
                info = PluginInfo(CORE_DISTRIBUTION, __version__, "builtin", module)
                self._load(info, lambda module=module: importlib.import_module(module))
        if entry_points:
            self._load_entry_points()
        for name, plugin in extra:
            module = getattr(plugin, "__name__", type(plugin).__name__)
            info = PluginInfo(name, getattr(plugin, "__version__", "0"), "manual", module)
            self._load(info, lambda plugin=plugin: plugin)
        for info, plugin in list(self._loaded):  # _register_specs drops failures
            self._register_specs(info, plugin)

    @property
    def hook(self) -> Any:
        """``host.hook.ganzoo_train_start(run=...)`` calls every healthy plugin's impl."""
        return self.pm.hook

    # -- loading ----------------------------------------------------------------
    def _load_entry_points(self) -> None:
        eps = sorted(
            metadata.entry_points(group=hookspecs.PROJECT),
            key=lambda ep: (_dist_name(ep), ep.name),
        )
        for ep in eps:
            dist = _dist_name(ep)
            info = PluginInfo(dist, _dist_version(ep), "entry point", ep.module, entry_point=ep.name)
            names = {_normalise(dist), _normalise(ep.name)}
            if (self._only is not None and not names & self._only) or names & self._disabled:
                info.status = "disabled"
                self.plugins.append(info)
                continue
            self._load(info, ep.load)

    def _load(self, info: PluginInfo, load: Callable[[], Any]) -> None:
        self.plugins.append(info)
        try:
            plugin = load()
            info.hooks = self._hook_names(info, plugin)
            self.pm.register(plugin, name=f"{info.name}:{info.entry_point or info.module}")
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take ganzoo down
            self._fail(info, exc, "failed to load")
            return
        self._loaded.append((info, plugin))

    def _hook_names(self, info: PluginInfo, plugin: Any) -> list[str]:
        hooks = []
        for attr in dir(plugin):
            opts = self.pm.parse_hookimpl_opts(plugin, attr)
            if opts is None:
                continue
            name = opts.get("specname") or attr
            if name not in HOOK_NAMES:
                close = difflib.get_close_matches(name, HOOK_NAMES, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise RegistrationError(
                    f"implements unknown hook {name!r}.{hint} "
                    "The hooks are listed in docs/plugins.md (Writing a plugin)."
                )
            hooks.append(name)
        return sorted(hooks)

    def _register_specs(self, info: PluginInfo, plugin: Any) -> None:
        """Run this plugin's registration hooks; keep all its specs or none."""
        specs: list[Spec] = []
        try:
            for hook_name, spec_type in REGISTRATION_HOOKS.items():
                for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                    if impl.plugin is plugin:
                        impl.function(register=_collector(specs, spec_type, hook_name))
            accepted = self.registry.add_all(info.name, specs)
        except Exception as exc:  # noqa: BLE001
            self.pm.unregister(plugin)
            self._loaded.remove((info, plugin))
            self._fail(info, exc, "failed to register")
            return
        for spec in accepted:
            info.registered.setdefault(spec.kind, []).append(spec.name)

    def _fail(self, info: PluginInfo, exc: Exception, what: str) -> None:
        info.status = "error"
        info.error = f"{type(exc).__name__}: {exc}"
        message = f"ganzoo plugin {info.name!r} ({info.module}) {what} and was skipped: {info.error}"
        if self.strict:
            raise PluginError(message) from exc
        warnings.warn(message, PluginWarning, stacklevel=3)


def _collector(specs: list[Spec], spec_type: type, hook_name: str) -> Callable[[Any], None]:
    def register(spec: Any) -> None:
        if not isinstance(spec, spec_type):
            raise RegistrationError(
                f"{hook_name} must register {spec_type.__name__} objects, got {type(spec).__name__}."
            )
        specs.append(spec)

    return register


def _dist_name(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return _normalise(dist.name) if dist is not None and dist.name else ep.module


def _dist_version(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.version if dist is not None else "?"


_host: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide host, built on first use so importing ganzoo stays cheap."""
    global _host
    if _host is None:
        _host = PluginHost()
    return _host


def reset_host(host: PluginHost | None = None) -> PluginHost | None:
    """Replace the process-wide host (tests); returns the previous one."""
    global _host
    previous, _host = _host, host
    return previous
