"""Learning-rate schedules, as a factor of the base rate at each step (for ``LambdaLR``),
and what happens to them when a resumed run changes its length.

A schedule is ``lr_schedule`` over a span of steps: ``constant``; ``linear-decay``
(CycleGAN: constant for the first ``lr_decay_start`` of the span, then linearly to
zero); ``cosine`` (half a cosine from 1 to 0). The span is the run's length, from
``restart_at`` (0 for a new run) to ``total``; both are kept in the checkpoint.

Resuming with a longer length (``--steps``) stretches the schedule over the new length,
so that an extended run keeps learning instead of training its extra steps at the
decayed end rate (zero, for ``linear-decay``); the Trainer says what the rate is now.
A shorter length keeps the plan the run started with. ``lr_restart``
(``--set lr_restart=true``) is the opt-in warm restart: the schedule runs again from the
resume step over the new steps. A resume may also change the schedule itself
(``--set lr_schedule=linear-decay``, ``lr_decay_start``): the new one starts at the resume
step, so a run trained at a constant rate can end with a decay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any


def total_steps(config: Mapping[str, Any], batches_per_epoch: int) -> int:
    """The run's length in steps: ``steps``, or ``epochs`` times the batches of an epoch."""
    if config["epochs"] is not None:
        return max(1, int(config["epochs"] * batches_per_epoch))
    return int(config["steps"])


def lr_factor(config: Mapping[str, Any], total: int, restart_at: int = 0) -> Callable[[int], float]:
    kind, start = config["lr_schedule"], float(config["lr_decay_start"])
    span = max(1, total - restart_at)
    if kind == "constant":
        return lambda step: 1.0
    if kind == "linear-decay":
        begin = int(span * start)
        return lambda step: 1.0 if step - restart_at < begin else max(
            0.0, 1 - (step - restart_at - begin) / max(1, span - begin))
    return lambda step: 0.5 * (1 + math.cos(math.pi * min(max(step - restart_at, 0), span) / span))


def on_resume(config: Mapping[str, Any], saved: Mapping[str, int] | None, step: int,
              total: int, changes: Mapping[str, Any] = ()) -> tuple[dict[str, int], str | None]:
    """The schedule span for a run resumed at ``step`` with ``total`` steps, and a line to
    tell the user when the length changed (``saved``: the span in its checkpoint). When the
    resume ``changes`` ``lr_schedule`` or ``lr_decay_start``, the new schedule starts at
    this step, from the base rate, rather than jumping to where it would be had the run
    followed it from the start (a long constant-rate run that ends with a decay, say)."""
    if {"lr_schedule", "lr_decay_start"} & set(changes):
        return {"total": total, "restart_at": step}, (
            f"the learning rate follows the {config['lr_schedule']} schedule from step {step} to step {total}, "
            "starting at its base rate.")
    if saved is None or config["lr_schedule"] == "constant" or saved["total"] == total:
        return {"total": total, "restart_at": saved["restart_at"] if saved else 0}, None
    if config.get("lr_restart"):
        return {"total": total, "restart_at": step}, (
            f"lr_restart: the {config['lr_schedule']} learning-rate schedule starts again at step {step} "
            f"and runs to step {total}.")
    if total > saved["total"]:
        now = lr_factor(config, total, saved["restart_at"])(step)
        return {"total": total, "restart_at": saved["restart_at"]}, (
            f"the {config['lr_schedule']} learning-rate schedule is stretched from {saved['total']} to {total} "
            f"steps, so the extra steps keep learning: the rate at step {step} is {now:.3g}x its base. "
            "--set lr_restart=true restarts it from this step instead.")
    return dict(saved), (
        f"the {config['lr_schedule']} learning-rate schedule keeps its length ({saved['total']} steps) on this "
        "shorter resume. --set lr_restart=true restarts it over the new steps instead.")


def apply_schedule(schedulers: Mapping[str, Any], factor: Callable[[int], float], step: int,
                   base_lrs: Mapping[str, list[float]] | None = None) -> None:
    """Point restored ``LambdaLR`` schedulers at ``factor`` (and new base rates, if given)
    and set the rates for ``step`` exactly as ``LambdaLR`` computes them."""
    for name, sched in schedulers.items():
        if base_lrs is not None:
            sched.base_lrs = list(base_lrs[name])
        sched.lr_lambdas = [factor] * len(sched.optimizer.param_groups)
        for group, base in zip(sched.optimizer.param_groups, sched.base_lrs):
            group["initial_lr"], group["lr"] = base, base * factor(step)
        sched._last_lr = [group["lr"] for group in sched.optimizer.param_groups]
