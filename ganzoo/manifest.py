"""The weights manifest: ``<package>/weights/weights.toml``, one ``[[weights]]`` table per
pretrained file shipped beside it. The core reads it for every plugin it loads, so a
plugin declares weights without code; ``ganzoo export RUN --tag TAG --into PLUGIN_DIR``
writes the file and its entry. No torch here: reading it is part of ``ganzoo list``.

An entry::

    [[weights]]
    model = "vanilla"                       # a model name (of this plugin, usually)
    tag = "ring"                            # users type vanilla.ring
    file = "vanilla-ring.safetensors"       # beside this manifest; becomes package://<package>/weights/<file>
    sha256 = "ed75e7..."                    # the full hex digest, checked on every fetch
    size = 144096                           # bytes
    license = "MIT"
    dataset = "ring"
    command = "ganzoo train vanilla --data ring"
    default = true                          # the tag a bare model name picks
    metrics = { modes_covered = 8, modes_total = 8, high_quality = 0.98 }
    urls = ["https://example.org/vanilla-ring.safetensors"]   # optional mirrors, tried after the file

``file`` or ``urls`` (or both) must be given; ``format`` defaults to ``"safetensors"``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganzoo.errors import RegistrationError
from ganzoo.files import atomic_write
from ganzoo.specs import WeightsSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["MANIFEST", "WEIGHTS_DIR", "dump", "entry_from_spec", "manifest_path", "read", "specs", "upsert"]

WEIGHTS_DIR = "weights"
MANIFEST = "weights.toml"
#: keys of one entry, in the order the file is written
KEYS = ("model", "tag", "file", "sha256", "size", "format", "license", "dataset", "command", "default", "metrics",
        "urls")
HEADER = ("# Pretrained weights of this plugin, read by ganzoo when the plugin loads (docs/plugins.md).\n"
          "# `ganzoo export RUN --tag TAG --into PLUGIN_DIR` writes a file beside this one and its entry here.\n")


def manifest_path(package_dir: str | Path) -> Path:
    """Where a package's manifest lives: ``<package_dir>/weights/weights.toml``."""
    return Path(package_dir) / WEIGHTS_DIR / MANIFEST


def read(path: str | Path) -> list[dict[str, Any]]:
    """The entries of a manifest, as written (an absent file has none)."""
    path = Path(path)
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistrationError(f"{path} is not valid TOML: {exc}") from None
    entries = data.get("weights", [])
    unknown = sorted(set(data) - {"weights"})
    if unknown or not isinstance(entries, list):
        raise RegistrationError(f"{path}: expected only [[weights]] tables, found {unknown or type(entries).__name__}.")
    return entries


def specs(path: str | Path, package: str) -> list[WeightsSpec]:
    """The ``WeightsSpec`` of every entry of the manifest at ``path`` of ``package``."""
    found = []
    for i, entry in enumerate(read(path), 1):
        where = f"{path} (entry {i}{', ' + entry.get('model', '?') + '.' + entry.get('tag', '?') if isinstance(entry, dict) else ''})"
        unknown = sorted(set(entry) - set(KEYS))
        if unknown:
            raise RegistrationError(f"{where}: unknown key(s) {unknown}; an entry takes {', '.join(KEYS)}.")
        fields = dict(entry)
        file = fields.pop("file", None)
        urls = tuple(fields.pop("urls", ()))
        if file:
            urls = (f"package://{package}/{WEIGHTS_DIR}/{file}", *urls)
        try:
            found.append(WeightsSpec(urls=urls, **fields))
        except (TypeError, RegistrationError) as exc:
            raise RegistrationError(f"{where}: {exc}") from None
    return found


def entry_from_spec(spec: WeightsSpec, file: str | None = None) -> dict[str, Any]:
    """A manifest entry for ``spec`` (``file``: its name beside the manifest)."""
    urls = [u for u in spec.urls if not u.startswith("package://")]
    entry = {"model": spec.model, "tag": spec.tag, "file": file, "sha256": spec.sha256, "size": spec.size,
             "format": spec.format, "license": spec.license, "dataset": spec.dataset, "command": spec.command,
             "default": spec.default, "metrics": dict(spec.metrics), "urls": urls}
    return {k: v for k, v in entry.items() if v not in (None, []) and not (k == "format" and v == "safetensors")}


def upsert(path: str | Path, entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Add ``entry`` to the manifest at ``path``, replacing one with the same model and tag;
    when it is the default, the model's other entries stop being. Returns the entries written."""
    path = Path(path)
    entries = [e for e in read(path) if (e.get("model"), e.get("tag")) != (entry["model"], entry["tag"])]
    if entry.get("default"):
        for other in entries:
            if other.get("model") == entry["model"]:
                other["default"] = False
    entries.append(dict(entry))
    entries.sort(key=lambda e: (str(e.get("model")), str(e.get("tag"))))
    text = dump(entries)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return entries


def dump(entries: list[Mapping[str, Any]], header: bool = True, compact: bool = False) -> str:
    """A manifest's text: the header, then one ``[[weights]]`` table per entry (``compact``:
    ``key='value'``, as printed for pasting)."""
    blocks = []
    eq = "=" if compact else " = "
    for entry in entries:
        keys = [k for k in KEYS if k in entry] + sorted(set(entry) - set(KEYS))
        blocks.append("[[weights]]\n" + "".join(f"{k}{eq}{_value(entry[k], compact)}\n" for k in keys))
    return (HEADER if header else "") + "\n".join(blocks if not header else [""] + blocks)


def _value(value: Any, literal: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        if literal and "'" not in value and "\n" not in value:
            return f"'{value}'"  # a TOML literal string
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to a weights manifest")


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else json.dumps(key)
