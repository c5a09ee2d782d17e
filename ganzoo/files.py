"""Writing files so that a crash, even SIGKILL, never leaves a half-written one under a real name."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ganzoo.errors import GanzooError


def atomic_write(path: Path, write: Callable[[str], None], fsync: bool = False) -> None:
    """Call ``write(tmp_path)``, then rename the temporary file onto ``path``.

    The temporary file lives in the same folder (a rename never crosses file
    systems) and gets ordinary permissions; ``fsync`` also flushes file and folder
    to disk before and after the rename (checkpoints).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        try:
            write(tmp)
        except OSError as exc:  # name the file the caller asked for, not the temporary one
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        os.chmod(tmp, 0o666 & ~umask)  # after the writer: mkstemp and safetensors both leave 0600
        if fsync:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        if fsync:
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_pt(path: str | Path) -> Any:
    """``torch.load`` with ``weights_only=True``: tensors and plain containers, never code."""
    import torch  # lazy: keeps torch off the CLI's fast path (`ganzoo weights list`)

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle.UnpicklingError for code, RuntimeError for a damaged zip
        why = ("it holds Python objects other than tensors and plain containers, which could run code"
               if "weights_only" in str(exc) or "Unpickl" in type(exc).__name__ else f"it is damaged ({type(exc).__name__})")
        raise GanzooError(f"{str(path)!r} cannot be read safely: {why}. ganzoo never unpickles code; "
                          "ask for a safetensors file.") from None
