"""The figures ``train_step`` returns, kept on the device until the Trainer needs them.

A family returns detached scalar tensors. Turning each into a float every step would
make the host wait for the device every step (on a GPU, the cost that halved the
Trainer's speed at batch 64). Instead the tensors of a logging window are stacked and
copied to the host in one transfer, the only host sync of the window; the host then
averages them for the log and finds the first step, if any, whose figures were not
finite.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class BadStep:
    """The first step of a window whose figures were NaN or infinite."""

    step: int
    figures: dict[str, float]


class StepLog:
    """Per-step figures since the last log: device tensors until ``settle``, then floats."""

    def __init__(self) -> None:
        self._pending: list[tuple[int, dict[str, torch.Tensor | float]]] = []
        self._settled: list[tuple[int, dict[str, float]]] = []

    def add(self, step: int, figures: Mapping[str, torch.Tensor | float]) -> None:
        """Record step ``step``'s figures (tensors are kept as they are: no sync)."""
        if not isinstance(figures, Mapping):
            raise TypeError(f"train_step must return a dict of detached scalar tensors, not {type(figures).__name__}")
        self._pending.append((step, {k: v.detach() if isinstance(v, torch.Tensor) else float(v)
                                     for k, v in figures.items()}))

    def has_rows(self) -> bool:
        """Whether steps were recorded since the last ``reduce``."""
        return bool(self._pending or self._settled)

    def settle(self) -> BadStep | None:
        """Move pending figures to the host in one transfer; the first non-finite step, if any."""
        tensors = [v for _, row in self._pending for v in row.values() if isinstance(v, torch.Tensor)]
        values = iter(torch.stack([t.float().reshape(()) for t in tensors]).tolist() if tensors else [])
        for step, row in self._pending:
            floats = {k: next(values) if isinstance(v, torch.Tensor) else v for k, v in row.items()}
            self._settled.append((step, floats))
        self._pending.clear()
        for step, row in self._settled:
            bad = {k: v for k, v in row.items() if not math.isfinite(v)}
            if bad:
                return BadStep(step, bad)
        return None

    def reduce(self) -> tuple[dict[str, float], BadStep | None]:
        """The window's mean of every figure, and its first bad step; starts a new window."""
        bad = self.settle()
        sums: dict[str, float] = {}
        counts: dict[str, int] = {}
        for _, row in self._settled:
            for key, value in row.items():
                sums[key] = sums.get(key, 0.0) + value
                counts[key] = counts.get(key, 0) + 1
        self._settled.clear()
        return {k: sums[k] / counts[k] for k in sums}, bad
