"""Pretrained weights: resolve ``name.tag``, fetch into a verified cache, load safely, export.

A plugin declares each file with a ``WeightsSpec`` (URLs, full sha256, size, licence,
dataset, the ``ganzoo train`` command that made it, its measured metrics). The core:

- fetches ``http(s)://``, ``file://`` and ``package://<module>/<path>`` (a file shipped
  inside an installed distribution, so official weights work offline right after
  ``pip install``) itself, and any other scheme through the ``ganzoo_fetch_weights`` hook;
- downloads to a temporary file, checks the sha256, renames it into
  ``GANZOO_HOME/weights/`` (``ganzoo.io.download``); ``GANZOO_OFFLINE=1`` uses the cache only;
- loads safetensors (which cannot run code); a legacy ``.pt`` is read only with
  ``weights_only=True``.

Torch is imported only where tensors are read or written, so ``ganzoo weights list``
stays as quick as the other catalogue commands.

The safetensors file holds the sampling nets (``<net>.<parameter>``; the EMA weights
where the run kept them) and, in its metadata, everything needed to rebuild the
model: model, plugin, hyperparameters, data description, versions, training command.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.errors import GanzooError
from ganzoo.files import load_pt
from ganzoo.host import get_host
from ganzoo.io.download import DownloadError, fetch, offline, sha256_of
from ganzoo.paths import home, is_path
from ganzoo.registry import WeightsSpec

if TYPE_CHECKING:
    import torch

FORMAT = "ganzoo-weights-1"
def _host(host: Any = None) -> Any:
    return host or get_host()


def get(name: str, host: Any = None) -> WeightsSpec:
    """The weights entry for ``model.tag`` (or a bare model name: its default tag)."""
    return _host(host).registry.get_weights(name)


def looks_like_name(source: str | Path) -> bool:
    """True for ``dcgan.shapes``-style names: not a path (the rule ``--data`` uses) nor a weights file name."""
    return not is_path(source) and not str(source).endswith((".pt", ".safetensors"))


def cache_path(spec: WeightsSpec) -> Path:
    ext = "safetensors" if spec.format == "safetensors" else "pt"
    return home() / "weights" / f"{spec.model}.{spec.tag}-{spec.sha256[:12]}.{ext}"


#: cached files verified by sha256 in this process, by (size, mtime, inode): a file is hashed
#: once per process, and again only if it changes
_verified: dict[str, tuple[int, int, int]] = {}
#: a download's temporary file older than this was left by a process that died
STALE_PART_S = 3600


def ensure(spec: WeightsSpec, host: Any = None, repair: bool = False) -> Path:
    """The cached file for ``spec``, fetched first if it is not there, and checked against its
    sha256 on first use in this process. A cached file that no longer matches is an error
    naming the fix, unless ``repair`` (``ganzoo weights download``) fetches it again."""
    path = cache_path(spec)
    if path.is_file():
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if _verified.get(str(path)) == key:
            return path
        if stat.st_size == spec.size and sha256_of(path) == spec.sha256:
            _verified[str(path)] = key
            return path
        if not repair:
            raise GanzooError(f"the cached weights {spec.name} ({path}) do not match their sha256: the file was "
                              f"changed or damaged, and ganzoo will not use it. Run `ganzoo weights download "
                              f"{spec.name}` to fetch a fresh copy.")
        path.unlink()
    _clean_stale_parts(path)
    try:
        fetched = fetch(spec.urls, path, sha256=spec.sha256, size=spec.size, what=f"weights {spec.name}",
                        host=_host(host))
    except DownloadError as exc:
        if offline():
            raise GanzooError(f"pretrained weights {spec.name} are not in the cache ({path}) and GANZOO_OFFLINE is "
                              f"set. Unset it to fetch them, or run `ganzoo weights download {spec.name}` where there "
                              "is network.") from None
        raise GanzooError(f"cannot fetch pretrained weights {spec.name}: {exc}") from None
    stat = fetched.stat()
    _verified[str(fetched)] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)  # fetch checked its sha256
    return fetched


def _clean_stale_parts(path: Path) -> None:
    """Delete temporary download files of ``path`` left behind by a process that died."""
    for part in path.parent.glob(f".{path.name}.*.part") if path.parent.is_dir() else []:
        try:
            if time.time() - part.stat().st_mtime > STALE_PART_S:
                part.unlink()
        except OSError:
            pass


def verify(spec: WeightsSpec) -> tuple[str, str | None]:
    """(status, actual sha256) of the cached file: 'ok', 'missing' or 'MISMATCH'."""
    path = cache_path(spec)
    if not path.is_file():
        return "missing", None
    actual = sha256_of(path)
    return ("ok" if actual == spec.sha256 else "MISMATCH"), actual


# -- reading ------------------------------------------------------------------------------------
def read(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors and ganzoo metadata of a weights file (safetensors, or a legacy ``.pt`` read
    with ``weights_only=True``)."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as handle:
                raw = handle.metadata() or {}
                tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        except Exception as exc:  # SafetensorError and friends: a damaged or foreign file
            raise GanzooError(f"{path} is not a readable safetensors file ({exc}).") from None
        if raw.get("format") != FORMAT:
            raise GanzooError(f"{path} is a safetensors file but not ganzoo weights (no '{FORMAT}' metadata); "
                              "write one with `ganzoo export RUN --tag TAG --out FILE`.")
        return tensors, json.loads(raw["ganzoo"])
    state = load_pt(path)
    if not (isinstance(state, dict) and isinstance(state.get("meta"), dict) and isinstance(state.get("tensors"), dict)):
        raise GanzooError(f"{path} is not a ganzoo weights file (expected 'meta' and 'tensors').")
    return state["tensors"], state["meta"]
