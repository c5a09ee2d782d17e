"""What a checkpoint holds, and putting it back: the *full* state of a run.

Nets, optimisers, schedulers, the EMA, the fp16 gradient scaler, adaptive augmentation's p and each rank's
not yet all-reduced sign count, a family's extra
state (image pools), the data stream's position, the fixed sample inputs and every
random stream of every rank, plus a ``meta`` record that lets ``ganzoo sample``
rebuild the model from the file alone. Restoring all of it makes a resumed run
continue bit-identically (tests/test_trainer.py).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from ganzoo._version import __version__
from ganzoo.artifacts import checkpoint as ckpt
from ganzoo.training.ema import unwrap
from ganzoo.training.rundir import plain


def plugin_version(spec: Any) -> str:
    try:
        return metadata.version(spec.plugin)
    except metadata.PackageNotFoundError:
        return "?"


def meta(spec: Any, config: Any, data_info: Any, data_source: str, step: int) -> dict[str, Any]:
    """The record that lets ``ganzoo sample`` rebuild the model from a checkpoint alone."""
    return {"model": spec.name, "qualified_name": spec.qualified_name, "plugin": spec.plugin,
            "plugin_version": plugin_version(spec), "ganzoo_version": __version__,
            "config": plain(dict(config)), "data": data_info.as_dict(), "data_source": data_source, "step": step,
            "created": _dt.datetime.now().isoformat(timespec="seconds")}


@dataclass
class LiveParts:
    """The live objects of a run whose state a checkpoint holds: the model (its nets and a
    family's extra state), optimisers, schedulers, EMA, fp16 scaler, augmentation, data stream."""

    model: Any
    optimizers: dict[str, Any]
    schedulers: dict[str, Any]
    ema: Any
    scaler: Any
    augment: Any
    stream: Any


@dataclass
class RunState:
    """Everything a checkpoint captures and a resume restores, as a value: the step, the
    state dicts of the live parts, the lr schedule's plan, the fixed sample inputs, every
    rank's random streams and augmentation state, and ``meta``."""

    step: int
    meta: dict[str, Any]
    nets: dict[str, Any]
    optimizers: dict[str, Any]
    schedulers: dict[str, Any]
    ema: dict[str, Any] | None
    scaler: dict[str, Any] | None
    extra: dict[str, Any]
    augment: dict[str, Any]
    augment_by_rank: dict[str, Any]
    stream: dict[str, Any]
    schedule: dict[str, Any]
    fixed: Any
    rng_by_rank: dict[str, Any]

    @classmethod
    def capture(cls, parts: LiveParts, *, step: int, meta: dict[str, Any], schedule: dict[str, Any], fixed: Any,
                rng_by_rank: dict[str, Any], augment_by_rank: dict[str, Any]) -> RunState:
        return cls(step=step, meta=meta,
                   nets={name: unwrap(net).state_dict() for name, net in parts.model.nets().items()},
                   optimizers={name: opt.state_dict() for name, opt in parts.optimizers.items()},
                   schedulers={name: s.state_dict() for name, s in parts.schedulers.items()},
                   ema=parts.ema.state_dict() if parts.ema is not None else None,
                   scaler=parts.scaler.state_dict() if parts.scaler is not None else None,
                   extra=parts.model.extra_state(), augment=augment_by_rank.get("0", parts.augment.state_dict()),
                   augment_by_rank=augment_by_rank, stream=parts.stream.state(),
                   schedule=dict(schedule), fixed=fixed, rng_by_rank=rng_by_rank)

    def restore(self, parts: LiveParts, rank: int) -> None:
        """Put this state back into ``parts``, and this rank's random streams into torch's."""
        for name, net in parts.model.nets().items():
            unwrap(net).load_state_dict(self.nets[name])
        for name, opt in parts.optimizers.items():
            opt.load_state_dict(self.optimizers[name])
        for name, sched in parts.schedulers.items():
            sched.load_state_dict(self.schedulers[name])
        if parts.ema is not None and self.ema:
            parts.ema.load_state_dict(self.ema)
        if parts.scaler is not None and self.scaler:
            parts.scaler.load_state_dict(self.scaler)
        parts.model.load_extra_state(self.extra)
        parts.augment.load_state_dict(augment_state({"augment": self.augment, "augment_by_rank": self.augment_by_rank},
                                                    rank))
        parts.stream.load_state(self.stream)
        rng = self.rng_by_rank.get(str(rank))
        if rng is not None:  # a rank the saved run did not have keeps its fresh seed
            ckpt.set_rng_state(rng)

    def as_checkpoint(self) -> dict[str, Any]:
        """The checkpoint file's dict (format ``ckpt.FORMAT_VERSION``)."""
        return {"format": ckpt.FORMAT_VERSION, "meta": self.meta, "step": self.step, "nets": self.nets,
                "optimizers": self.optimizers, "schedulers": self.schedulers, "ema": self.ema, "scaler": self.scaler,
                "extra": self.extra,
                "augment": self.augment,  # rank 0's p (ada), for readers
                "augment_by_rank": self.augment_by_rank,  # each rank's own partial sign count, restored on resume
                "stream": self.stream, "schedule": self.schedule, "fixed": self.fixed,
                "rng_by_rank": self.rng_by_rank}

    @classmethod
    def from_checkpoint(cls, state: dict[str, Any]) -> RunState:
        return cls(step=int(state["step"]), meta=state.get("meta", {}), nets=state["nets"],
                   optimizers=state["optimizers"], schedulers=state["schedulers"], ema=state.get("ema"),
                   scaler=state.get("scaler"), extra=state.get("extra", {}), augment=state.get("augment") or {},
                   augment_by_rank=state.get("augment_by_rank") or {},
                   stream=state["stream"], schedule=state.get("schedule") or {}, fixed=state["fixed"],
                   rng_by_rank=state.get("rng_by_rank", {}))


def augment_state(state: dict[str, Any], rank: int) -> dict[str, Any]:
    """This rank's augmentation state from a checkpoint: its own entry, since ADA's sign count
    is a per-rank partial sum until the next all-reduce. A rank the saved run did not have
    takes rank 0's p with an empty count; a checkpoint from before per-rank entries has one."""
    by_rank = state.get("augment_by_rank") or {}
    if str(rank) in by_rank:
        return dict(by_rank[str(rank)] or {})
    main = dict(by_rank.get("0") or state.get("augment") or {})
    if by_rank and main:
        main.update(signs=0.0, seen=0)
    return main
