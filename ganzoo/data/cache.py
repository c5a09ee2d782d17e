"""Cache generated tensors under ``GANZOO_HOME/cache`` (safetensors, written atomically).

Procedural datasets are deterministic functions of their parameters, so a key made
of the generator's version and its parameters names the result exactly. Bump a
generator's version whenever its drawing code changes.

Work that can take a while (drawing a dataset at 256 px, training a judge network)
reports itself on stderr through ``progress``: nothing when it is over within a
couple of seconds, otherwise a line at once and then one at least every 15 s, so a
slow first run never looks like a hang.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ganzoo.files import atomic_write
from ganzoo.paths import home


def cached_tensors(key: str, make: Callable[[], dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Load ``key`` from the cache, or ``make()`` it and store it for next time."""
    if os.environ.get("GANZOO_NO_CACHE"):
        return make()
    folder = home() / "cache"
    path = folder / f"{key}.safetensors"
    cached = _load(path)
    if cached is not None:
        return cached
    # two processes that need the same entry (two runs started at once, parallel test workers)
    # build it once: the second waits for the first's lock, then loads what it wrote
    with _build_lock(folder / f"{key}.lock"):
        cached = _load(path)
        if cached is not None:
            return cached
        tensors = make()
        atomic_write(path, lambda tmp: save_file({k: v.contiguous() for k, v in tensors.items()}, tmp))
    return tensors


def _load(path: Path) -> dict[str, torch.Tensor] | None:
    if not path.exists():
        return None
    try:
        return load_file(path)
    except (SafetensorError, OSError, ValueError):
        path.unlink(missing_ok=True)  # a damaged cache entry is rebuilt, never trusted
        return None


@contextlib.contextmanager
def _build_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (POSIX ``flock``; none where it is missing). The
    kernel drops it when its holder dies, so a killed builder never blocks the next one."""
    try:
        import fcntl  # lazy: POSIX only
    except ImportError:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


#: a long job says so after DELAY_S seconds, then every EVERY_S seconds until it ends
DELAY_S, EVERY_S = 2.0, 15.0
_quiet = threading.local()


def set_quiet(quiet: bool) -> None:
    """Silence ``progress`` in this thread (``ganzoo train --quiet``); GANZOO_QUIET=1 silences it everywhere."""
    _quiet.value = quiet


@contextlib.contextmanager
def quiet_if(quiet: bool) -> Iterator[None]:
    """``progress`` silenced in this thread for a block when ``quiet`` (``ganzoo.train(quiet=True)``)."""
    before = getattr(_quiet, "value", False)
    _quiet.value = before or quiet
    try:
        yield
    finally:
        _quiet.value = before


class Progress:
    """What a running job has done so far; ``add`` or ``set`` it from the job's loop."""

    def __init__(self, what: str, total: int | None, unit: str) -> None:
        self.what, self.total, self.unit, self.done = what, total, unit, 0
        self.started = time.monotonic()

    def add(self, n: int) -> None:
        self.done += n

    def set(self, n: int) -> None:
        self.done = n

    def line(self) -> str:
        seconds = time.monotonic() - self.started
        count = f": {self.done:,}/{self.total:,} {self.unit}" if self.total else "..."
        return f"{self.what}{count} ({seconds:.0f} s)"


@contextlib.contextmanager
def progress(what: str, total: int | None = None, unit: str = "images", delay: float | None = None,
             every: float | None = None) -> Iterator[Progress]:
    """Report a job on stderr from a background thread while it runs (torch releases the
    GIL in its kernels, so the thread speaks even in the middle of one long batch):
    nothing if it ends within ``delay`` s, otherwise a line then, one every ``every`` s,
    and a last one when it ends (defaults: DELAY_S, EVERY_S). ``delay=0`` announces the
    job at once."""
    state = Progress(what, total, unit)
    delay = DELAY_S if delay is None else delay
    every = EVERY_S if every is None else every
    if os.environ.get("GANZOO_QUIET") or getattr(_quiet, "value", False):
        yield state
        return
    stop = threading.Event()
    spoke = threading.Event()

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)
        spoke.set()

    def beat() -> None:
        if stop.wait(delay):
            return
        say(state.line())
        while not stop.wait(every):
            say(state.line())

    if delay <= 0:  # announced before the job starts, however quick it turns out to be
        say(state.line())
        delay = every
    thread = threading.Thread(target=beat, name="ganzoo-progress", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join()
        if spoke.is_set():
            say(f"{what}: done in {time.monotonic() - state.started:.0f} s")
