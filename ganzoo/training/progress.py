"""Progress output: a live bar on a terminal; in logs, a line every 10 % of the run
and at least every 30 s (the Trainer logs at least that often)."""

from __future__ import annotations

import sys
import time
from typing import Any

LINE_EVERY_S = 30.0


class Progress:
    """A tqdm bar with live losses on a terminal; a line every 10 % elsewhere (CI logs)."""

    def __init__(self, total: int, start: int, enabled: bool) -> None:
        self.enabled, self.total = enabled, total
        self.tty = enabled and sys.stderr.isatty()
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=start, unit="step", dynamic_ncols=True, file=sys.stderr)
        self.every = max(total // 10, 1)
        self.last = start
        self.last_line = time.monotonic()

    def update(self, step: int, metrics: dict[str, float]) -> None:
        shown = {k: v for k, v in metrics.items() if k not in ("lr", "epoch", "seconds")}
        if self.bar is not None:
            self.bar.update(step - self.last)
            self.bar.set_postfix({k: f"{v:.3g}" for k, v in shown.items()}, refresh=False)
        elif self.enabled and (step // self.every > self.last // self.every or step == self.total
                               or time.monotonic() - self.last_line >= LINE_EVERY_S):
            text = "  ".join(f"{k} {v:.3g}" for k, v in shown.items())
            print(f"step {step}/{self.total}  {text}", file=sys.stderr, flush=True)
            self.last_line = time.monotonic()
        self.last = step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Clock:
    """Wall time of the run and of the current logging window (images/s per window)."""

    def __init__(self, images_per_step: int) -> None:
        self.images_per_step = images_per_step
        self.start = self.window_start = time.perf_counter()
        self.images = 0

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def past(self, minutes: float | None) -> bool:
        """Whether a wall-clock budget of ``minutes`` (None: none) is spent."""
        return minutes is not None and self.elapsed() >= minutes * 60

    def quiet_for(self) -> float:
        return time.perf_counter() - self.window_start

    def window_rate(self) -> float:
        """Images/s since the last call (measured after the window's sync, so it is the
        device's rate, not how fast the host queued work)."""
        now = time.perf_counter()
        rate = self.images / max(now - self.window_start, 1e-9)
        self.window_start, self.images = now, 0
        return rate


def ending(summary: dict[str, Any], report: str) -> str:
    """What a run that finished or was interrupted says: where it stopped and what it wrote."""
    run_dir = summary["run_dir"]
    return (f"{summary['status']} at step {summary['step']}/{summary['total_steps']} after {summary['seconds']:.1f} s "
            f"({summary['images_per_s']:.0f} images/s)\n"
            f"  run folder:  {run_dir}\n  samples:     {summary['samples']}\n  checkpoint:  {summary['checkpoint']}\n"
            + report
            + (f"  resume:      ganzoo train --resume {run_dir}\n" if summary["status"] == "interrupted" else ""))


def next_steps(run_dir: object, data_info: Any, translates: bool, conditional: bool = False) -> str:
    """What to do with a finished run next, right for its kind of model (``--labels`` only
    for a conditional generator: an unconditional one trained on labelled data takes none)."""
    if translates:
        return (f"  translate:   ganzoo translate {run_dir} --input IMAGES/ --out translated/ --grid\n"
                f"  score:       ganzoo eval {run_dir}")
    out = "points.png" if data_info.kind == "points-2d" else "grid.png"
    labels = " --labels 0,1,2" if conditional and data_info.num_classes else ""
    return f"  sample:      ganzoo sample {run_dir}{labels} --out {out}\n  score:       ganzoo eval {run_dir}"
