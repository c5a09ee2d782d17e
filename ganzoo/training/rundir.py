"""Run folders: claim a new one, find the run and checkpoint a ``--resume`` names, and
write the run's ``config.json``.

A new folder is claimed with an exclusive ``mkdir`` before anything is written, so two
runs started in the same second never share one: the second gets a ``-2`` suffix. A
run then holds ``.lock`` (its PID) in its folder until it ends, so a second process
resuming a live run is refused with the holder's PID; a lock whose process is gone
(killed) is taken over.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ganzoo.errors import GanzooError

CONFIG = "config.json"


def data_label(source: str) -> str:
    """A dataset's name, or a folder's last component, for run folder names."""
    return Path(source).name if ("/" in source or source.startswith((".", "~"))) else source


def claim(out: Path, name: str) -> Path:
    """Create and return ``out/<name>-<time>[-N]`` (``name``: a plan's ``<model>-<data>``), a
    folder no other run has."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    base = out / f"{name}-{stamp}"
    for n in range(1, 10_000):
        path = base if n == 1 else base.with_name(f"{base.name}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise GanzooError(f"cannot find a free run folder name under {str(out)!r}.")


def find_resume(path: Path) -> tuple[Path, Path, dict[str, Any]]:
    """The run folder, the checkpoint to restore, and the saved config.json record.

    ``path`` is a run folder (its ``checkpoints/last.pt``) or one checkpoint file, which is
    then used exactly as given."""
    if path.suffix == ".pt":
        if not path.is_file():
            raise GanzooError(f"no checkpoint file at {str(path)!r}.")
        run_dir, checkpoint = path.resolve().parent.parent, path
    else:
        run_dir, checkpoint = path, newest_checkpoint(path / "checkpoints")
    config_path = run_dir / CONFIG
    if not config_path.exists():
        raise GanzooError(f"{str(path)!r} is not a ganzoo run folder (no {CONFIG}). "
                          "Pass the folder that `ganzoo train` printed.")
    if not checkpoint.exists():
        raise GanzooError(f"run {str(run_dir)!r} has no checkpoint yet (checkpoints/last.pt); "
                          "it stopped before its first checkpoint, so start it again.")
    return run_dir, checkpoint, json.loads(config_path.read_text())


def newest_checkpoint(folder: Path) -> Path:
    """``last.pt``, unless a newer ``step-*.pt`` exists: a run killed between writing a
    checkpoint and re-pointing ``last.pt`` at it resumes from the newer one."""
    last = folder / "last.pt"
    steps = sorted((int(p.stem.split("-")[1]), p) for p in folder.glob("step-*.pt")
                   if p.stem.split("-")[1].isdigit()) if folder.is_dir() else []
    if steps and (not last.exists() or not os.path.samefile(last, steps[-1][1])):
        newest = steps[-1][1]
        if not last.exists() or newest.stat().st_mtime_ns >= last.stat().st_mtime_ns:
            return newest
    return last


def resumed_from_last(resumed_from: str | Path | None, run: Any) -> int | None:
    """``run.step`` if the run resumed from the checkpoint ``last.pt`` holds, else None: a
    run resumed from ``best.pt`` or an older step writes a checkpoint of its own when it
    ends, even without taking a step, so that ``last.pt`` is where it stopped."""
    last = run.last_checkpoint
    if resumed_from is None or last is None or not Path(resumed_from).exists():
        return None
    return run.step if os.path.samefile(resumed_from, last) else None


def _json_default(value: Any) -> Any:
    if isinstance(value, (Path, torch.device)):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):  # a plan's frozen config
        return dict(value)
    raise TypeError(type(value).__name__)


def plain(value: Any) -> Any:
    """``value`` as JSON would store it (paths and devices as strings, tuples as lists)."""
    return json.loads(json.dumps(value, default=_json_default))


def write_config(run_dir: Path, record: dict[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / CONFIG).write_text(json.dumps(record, indent=2, default=_json_default) + "\n")


def trim_metrics(path: Path, step: int) -> None:
    """Drop the rows a run logged after ``step``, its checkpoint (they are logged again on resume)."""
    if path.exists():
        rows = [r for r in path.read_text().splitlines() if r and json.loads(r)["step"] <= step]
        path.write_text("".join(r + "\n" for r in rows))


class RunLock:
    """``RUN/.lock``, holding the PID of the process writing the run."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / ".lock"
        self.held = False

    def acquire(self) -> None:
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _pid_in(self.path)
                if holder is not None and holder != os.getpid() and _alive(holder):
                    raise GanzooError(f"run {str(self.path.parent)!r} is in use by process {holder} (its lock "
                                      f"{self.path}); wait for it to finish or stop it, then resume.") from None
                self.path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{os.getpid()}\n")
            self.held = True
            return
        raise GanzooError(f"cannot take the lock {self.path}: another process keeps taking it.")

    def release(self) -> None:
        if self.held and _pid_in(self.path) == os.getpid():
            self.path.unlink(missing_ok=True)
        self.held = False


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_leftovers(run_dir: Path) -> None:
    """Temporary checkpoint files a killed process left (``checkpoints/.*.tmp``)."""
    folder = run_dir / "checkpoints"
    for tmp in folder.glob(".*.tmp") if folder.is_dir() else []:
        tmp.unlink(missing_ok=True)


def hold(run_dir: Path, writer: bool) -> RunLock:
    """The run's lock, taken by its writer (rank 0), which also clears a killed run's leftovers."""
    lock = RunLock(run_dir)
    if writer:
        lock.acquire()
        clean_leftovers(run_dir)
    return lock
