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
from importlib import metadata
from typing import TYPE_CHECKING, Any

from ganzoo._version import __version__
from ganzoo.training import checkpoint as ckpt
from ganzoo.training.ema import unwrap
from ganzoo.training.rundir import plain

if TYPE_CHECKING:
    from ganzoo.registry import ModelSpec
    from ganzoo.training.trainer import Trainer


def plugin_version(spec: ModelSpec) -> str:
    try:
        return metadata.version(spec.plugin)
    except metadata.PackageNotFoundError:
        return "?"


def capture(trainer: Trainer, rng_by_rank: dict[str, Any], augment_by_rank: dict[str, Any] | None = None) -> dict[str, Any]:
    """The checkpoint dict of ``trainer`` now (``rng_by_rank``: every rank's RNG states;
    ``augment_by_rank``: every rank's augmentation state, by default this rank's alone)."""
    augment_by_rank = augment_by_rank or {str(trainer.world.rank): trainer.augment.state_dict()}
    run, spec = trainer.run, trainer.spec
    return {
        "format": ckpt.FORMAT_VERSION,
        "meta": {
            "model": spec.name, "qualified_name": spec.qualified_name, "plugin": spec.plugin,
            "plugin_version": plugin_version(spec), "ganzoo_version": __version__,
            "config": plain(trainer.config), "data": trainer.data_info.as_dict(),
            "data_source": trainer.data_source, "step": run.step,
            "created": _dt.datetime.now().isoformat(timespec="seconds"),
        },
        "step": run.step,
        "nets": {name: unwrap(net).state_dict() for name, net in trainer.model.nets().items()},
        "optimizers": {name: opt.state_dict() for name, opt in trainer.optimizers.items()},
        "schedulers": {name: s.state_dict() for name, s in trainer.schedulers.items()},
        "ema": run.ema.state_dict() if run.ema is not None else None,
        "scaler": trainer.scaler.state_dict() if trainer.scaler is not None else None,
        "extra": trainer.model.extra_state(),
        "augment": augment_by_rank.get("0", trainer.augment.state_dict()),  # rank 0's p (ada), for readers
        "augment_by_rank": augment_by_rank,  # each rank's own partial sign count, restored on resume
        "stream": trainer.stream.state(),
        "schedule": dict(trainer.schedule),
        "fixed": trainer.fixed,
        "rng_by_rank": rng_by_rank,
    }


def restore(trainer: Trainer, state: dict[str, Any]) -> None:
    """Put a checkpoint dict back into ``trainer`` (nets, optimisers, ..., this rank's RNG)."""
    for name, net in trainer.model.nets().items():
        unwrap(net).load_state_dict(state["nets"][name])
    for name, opt in trainer.optimizers.items():
        opt.load_state_dict(state["optimizers"][name])
    for name, sched in trainer.schedulers.items():
        sched.load_state_dict(state["schedulers"][name])
    run = trainer.run
    if run.ema is not None and state.get("ema"):
        run.ema.load_state_dict(state["ema"])
    if trainer.scaler is not None and state.get("scaler"):
        trainer.scaler.load_state_dict(state["scaler"])
    trainer.model.load_extra_state(state.get("extra", {}))
    trainer.augment.load_state_dict(augment_state(state, trainer.world.rank))
    trainer.stream.load_state(state["stream"])
    trainer.fixed = state["fixed"]
    run.step = int(state["step"])
    rng = state["rng_by_rank"].get(str(trainer.world.rank))
    if rng is not None:  # a rank the saved run did not have keeps its fresh seed
        ckpt.set_rng_state(rng)


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
