"""Where ganzoo keeps things: ``GANZOO_HOME`` (default ``~/.cache/ganzoo``)."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The root for caches, downloaded data and weights; created on demand."""
    root = Path(os.environ.get("GANZOO_HOME") or Path.home() / ".cache" / "ganzoo").expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def data_dir() -> Path:
    path = home() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def is_path(data: str | Path) -> bool:
    """A path has a separator, starts with '.' or '~', or exists; a name is a bare word."""
    text = str(data)
    return isinstance(data, Path) or "/" in text or "\\" in text or text.startswith((".", "~")) or Path(text).exists()
