"""The pluggy PluginManager: the core's built-in plugins plus ``ganzoo`` entry points.

Plugins are loaded one by one. A plugin that fails to import, implements a hook that
does not exist (a misspelling), or registers something malformed is recorded with
its error, warned about once, and skipped; every other plugin keeps working.
``GANZOO_STRICT_PLUGINS=1`` re-raises instead (for tests and plugin authors).

A plugin that declares the plugin-API range it supports (``GANZOO_PLUGIN_API =
">=1.0,<2"`` in its entry module) and excludes this ganzoo's ``PLUGIN_API`` is skipped
the same way. After a plugin's hooks, its weights manifest
(``<package>/weights/weights.toml``, ``ganzoo.manifest``) is read into the registry.

Environment:
    GANZOO_LOAD_PLUGINS     comma list of entry-point plugins to load; empty = none
    GANZOO_DISABLE_PLUGINS  comma list of entry-point plugins to skip
    GANZOO_STRICT_PLUGINS   1 = a broken plugin raises PluginError (naming the file and line)
    GANZOO_TRACEBACK        1 = a broken plugin's warning carries the full traceback (``ganzoo --traceback``)
Plugins are named by distribution (``ganzoo-dcgan``) or entry-point name (``dcgan``).
The core's own built-in plugins always load.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from ganzoo import hookspecs, manifest
from ganzoo._version import __version__
from ganzoo.errors import PluginError, RegistrationError
from ganzoo.hookspecs import PLUGIN_API
from ganzoo.registry import DatasetSpec, FailedPlugin, FeatureSpec, LossSpec, ModelSpec, Registry, Spec, WeightsSpec

__all__ = ["IncompatiblePluginError", "PluginHost", "PluginInfo", "PluginWarning", "api_supported", "get_host",
           "reset_host"]

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


class IncompatiblePluginError(PluginError):
    """A plugin's declared ``GANZOO_PLUGIN_API`` range excludes this ganzoo's ``PLUGIN_API``."""


_CLAUSE = re.compile(r"^(>=|<=|==|!=|>|<)?\s*(\d+(?:\.\d+)*)$")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def api_supported(declared: str, api: str = PLUGIN_API) -> bool:
    """Whether ``api`` (``"1.0"``) is in a plugin's ``declared`` range (``">=1.0,<2"``): comma-separated
    clauses of ``>=``, ``>``, ``<=``, ``<``, ``==`` or ``!=`` and a version; a bare version means ``==``."""
    have = _version(api)
    for clause in str(declared).split(","):
        match = _CLAUSE.match(clause.strip())
        if not match:
            raise RegistrationError(f"GANZOO_PLUGIN_API {declared!r} is not a version range like '>=1.0,<2'.")
        op, want = match.group(1) or "==", _version(match.group(2))
        width = max(len(have), len(want))
        a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        if not {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b, "==": a == b, "!=": a != b}[op]:
            return False
    return True


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
    api: str = ""  # the GANZOO_PLUGIN_API range the plugin declares ("" if none)
    traceback: str = ""  # of the error, for `ganzoo --traceback`
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
            "api": self.api,
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
        self._environ = env
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
                self.registry.disabled.append(FailedPlugin(dist, ep.name, ep.module, "disabled"))
                continue
            self._load(info, ep.load)

    def _load(self, info: PluginInfo, load: Callable[[], Any]) -> None:
        self.plugins.append(info)
        try:
            plugin = load()
            self._check_api(info, plugin)
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

    @staticmethod
    def _check_api(info: PluginInfo, plugin: Any) -> None:
        declared = getattr(plugin, "GANZOO_PLUGIN_API", None)
        if declared is None:
            return
        info.api = str(declared)
        if not api_supported(info.api):
            raise IncompatiblePluginError(
                f"it supports plugin API {info.api}, but ganzoo {__version__} provides plugin API {PLUGIN_API}; "
                "install a release of the plugin made for this ganzoo (or a ganzoo the plugin supports)")

    def _register_specs(self, info: PluginInfo, plugin: Any) -> None:
        """Run this plugin's registration hooks and read its weights manifest; keep all its specs or none."""
        specs: list[Spec] = []
        try:
            for hook_name, spec_type in REGISTRATION_HOOKS.items():
                for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                    if impl.plugin is plugin:
                        impl.function(register=_collector(specs, spec_type, hook_name))
            package = _package_of(plugin)
            if package is not None:
                specs.extend(manifest.specs(manifest.manifest_path(package[1]), package[0]))
            accepted = self.registry.add_all(info.name, specs)
        except Exception as exc:  # noqa: BLE001
            self.pm.unregister(plugin)
            self._loaded.remove((info, plugin))
            self._fail(info, exc, "failed to register", specs)
            return
        for spec in accepted:
            info.registered.setdefault(spec.kind, []).append(spec.name)

    def _fail(self, info: PluginInfo, exc: Exception, what: str, specs: list[Spec] = ()) -> None:
        info.status = "error"
        where = _where(exc)
        info.error = f"{type(exc).__name__}: {exc}" + (f" ({where})" if where else "")
        info.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        names: dict[str, list[str]] = {}
        for spec in specs:
            names.setdefault(spec.kind, []).append(spec.name)
        self.registry.failures.append(FailedPlugin(info.name, info.entry_point, info.module, info.error, names))
        message = f"ganzoo plugin {info.name!r} ({info.module}) {what} and was skipped: {info.error}"
        if self.strict:
            raise PluginError(message) from exc
        if _env_flag(self._environ, "GANZOO_TRACEBACK"):  # printed whatever filters say about warnings
            print(f"ganzoo plugin {info.name!r} ({info.module}) {what}:\n{info.traceback}", file=sys.stderr)
        else:
            message += " (`ganzoo --traceback plugins` shows the full traceback)"
        warnings.warn(message, PluginWarning, stacklevel=3)


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").lower() not in ("", "0", "false", "no")


#: frames of these files say where ganzoo or the import machinery was, not where the plugin went wrong
_MACHINERY = (os.path.dirname(os.path.abspath(__file__)) + os.sep, os.path.dirname(pluggy.__file__) + os.sep,
              os.path.dirname(importlib.__file__) + os.sep)


def _where(exc: BaseException) -> str:
    """``file, line N`` in the plugin's own code where ``exc`` was raised (or passed through last)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}, line {exc.lineno}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith("<") and not os.path.abspath(f.filename).startswith(_MACHINERY)]
    return f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else ""


def _package_of(plugin: Any) -> tuple[str, Path] | None:
    """(name, folder) of the package a plugin module belongs to, where its weights manifest would be."""
    name = getattr(plugin, "__package__", None) or ""
    package = sys.modules.get(name) if name else None
    folders = list(getattr(package, "__path__", []) or [])
    return (name, Path(folders[0])) if folders else None


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
