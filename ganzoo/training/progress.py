"""Progress output: a live bar on a terminal, a line every 10 % in logs."""

from __future__ import annotations

import sys


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

    def update(self, step: int, metrics: dict[str, float]) -> None:
        shown = {k: v for k, v in metrics.items() if k not in ("lr", "epoch", "seconds")}
        if self.bar is not None:
            self.bar.update(step - self.last)
            self.bar.set_postfix({k: f"{v:.3g}" for k, v in shown.items()}, refresh=False)
        elif self.enabled and (step // self.every > self.last // self.every or step == self.total):
            text = "  ".join(f"{k} {v:.3g}" for k, v in shown.items())
            print(f"step {step}/{self.total}  {text}", file=sys.stderr, flush=True)
        self.last = step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
