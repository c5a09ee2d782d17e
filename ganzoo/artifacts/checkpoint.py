"""Checkpoints: the full state of a run, written atomically, loaded without unpickling code.

A checkpoint is a dict of tensors, numbers, strings, lists and dicts saved with
``torch.save`` and read back with ``torch.load(weights_only=True)``, which refuses
anything that would run code. Writing goes to a temporary file in the same folder,
is flushed with fsync and renamed into place, so a crash (even SIGKILL) never leaves
a half-written checkpoint under a real name.
"""

from __future__ import annotations

import io
import os
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganzoo.errors import GanzooError
from ganzoo.files import atomic_write

FORMAT_VERSION = 1
STEP_FILE = re.compile(r"^step-(\d+)\.pt$")


class CheckpointError(GanzooError):
    """A checkpoint that is missing, damaged or of another format."""


def atomic_save(obj: Any, path: Path) -> None:
    """Serialise in memory, then write the bytes: a full disk or a file-size limit then fails
    as an ``OSError`` naming the file (torch's own zip writer reports it as a bare RuntimeError)."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(buffer.getbuffer()), fsync=True)


def atomic_link(source: Path, target: Path) -> None:
    """Point ``target`` at the same file as ``source`` (a hard link, else a copy), atomically."""
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        import shutil

        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def load(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {str(path)!r}.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - pickle, zip and torch errors all mean "unusable"
        if "weights_only" in str(exc):
            raise CheckpointError(f"cannot load checkpoint {str(path)!r}: it holds objects other than tensors, "
                                  "which could run code; ganzoo never unpickles code.") from None
        raise CheckpointError(f"cannot load checkpoint {str(path)!r}: it is damaged or truncated "
                              f"({type(exc).__name__}).{_intact_hint(path)}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{str(path)!r} is not a ganzoo checkpoint of format {FORMAT_VERSION}.")
    return state


def _intact_hint(path: Path) -> str:
    """Where a damaged checkpoint sits in a run, the newest older one that loads, to resume instead."""
    if path.parent.name != "checkpoints":
        return " It may be damaged, or not a ganzoo checkpoint."
    for _, older in reversed(step_files(path.parent)):
        if older.resolve() == path.resolve() or os.path.samefile(older, path):
            continue
        try:
            torch.load(older, map_location="cpu", weights_only=True)
        except Exception:  # noqa: BLE001 - damaged too: try the next older one
            continue
        return f" The newest intact checkpoint is {older}: resume it with `ganzoo train --resume {older}`."
    return " No intact checkpoint is left in its folder."


def step_files(folder: Path) -> list[tuple[int, Path]]:
    if not folder.exists():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := STEP_FILE.match(p.name))]
    return sorted(found)


def prune(folder: Path, keep: int) -> None:
    """Keep the ``keep`` most recent step checkpoints (``last.pt`` is a link to the newest)."""
    for _, path in step_files(folder)[:-keep] if keep > 0 else []:
        path.unlink(missing_ok=True)


def rng_state() -> dict[str, Any]:
    """Every random stream a training step may draw from."""
    version, internal, gauss = random.getstate()
    np_state = np.random.get_state()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": [version, list(internal), gauss],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]), int(np_state[3]),
                  float(np_state[4])],
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
