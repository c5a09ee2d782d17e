"""What a ``--resume`` may change, and the record of each resume in ``config.json``.

A resumed run is the same run: its model, data and every setting that shapes the
nets, the data or the training step stay as saved, and asking for another is refused
with the reason. The run's length, its learning rate and schedule, and how it is executed (device,
precision, threads, intervals, evaluation) may change; each change takes effect (a new
``lr`` sets the optimisers' rates) and is listed, with the step it happened at, in the
``resumes`` list of the run's ``config.json``.

The number of processes (the world size) stays as saved too. A resume is exact because
a position in the data (epoch, batch) and each rank's random streams name what comes
next; with another world size the same position names other samples (each rank takes
every world-th index of an epoch's order, in ``batch_size x world`` steps), ranks the
saved run did not have would draw noise of their own, a step averages gradients over a
different global batch and ``--epochs`` gives another number of steps. Rather than
continue as a different run under the old one's name, such a resume is refused, naming
both sizes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganzoo.training.config import ConfigError

#: settings a resumed run may change
CHANGEABLE = frozenset({
    "steps", "epochs", "minutes", "lr", "lr_schedule", "lr_decay_start", "lr_restart", "device", "precision", "channels_last", "threads", "num_workers",
    "compile", "sample_every", "sample_count", "checkpoint_every", "keep_checkpoints", "log_every", "eval_every",
    "eval_metrics", "eval_samples", "eval_features", "strict_data",
})


def check_target(path: Path, saved: Mapping[str, Any], spec: Any, model: str | None, data: str | Path | None,
                 registry: Any) -> None:
    """Refuse a model or dataset other than the run's own (``spec``: the saved run's model)."""
    if model is not None and model not in (spec.name, spec.qualified_name):
        if registry.get_model(model).qualified_name != spec.qualified_name:
            raise ConfigError(f"{str(path)!r} is a run of {saved['model']!r}, not {model!r}: resume it without "
                              "naming a model, or start a new run of this one.")
    if data is not None and str(data) != str(saved["data"]):
        raise ConfigError(f"{str(path)!r} was trained on {saved['data']!r}, not {str(data)!r}: a resumed run keeps "
                          "its data. Resume without --data, or start a new run.")


def check_world_size(path: Path, saved: Mapping[str, Any], world_size: int) -> None:
    """Refuse to resume with another number of processes than the run was trained with."""
    was = saved.get("resolved", {}).get("world_size")
    if was is not None and int(was) != world_size:
        def processes(n: int) -> str:
            return f"{n} process{'es' if n != 1 else ''}"

        raise ConfigError(f"{str(path)!r} was trained with {processes(int(was))} (world size {was}), not "
                          f"{world_size}: a resume keeps the world size, as the data order, each rank's random "
                          f"streams and the global batch depend on it. Resume it with {processes(int(was))} in "
                          "all (--nproc x --nnodes), or start a new run.")


def changes(saved: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{key: [old, new]}`` for settings the resume changes; refuses those it may not."""
    changed = {k: [saved.get(k), config[k]] for k in config if saved.get(k, config[k]) != config[k]}
    fixed = sorted(k for k in changed if k not in CHANGEABLE)
    if fixed:
        what = ", ".join(f"{k} ({changed[k][0]!r} -> {changed[k][1]!r})" for k in fixed)
        raise ConfigError(f"a resumed run cannot change {what}: these shape its model, data or training step. "
                          f"Start a new run for them; a resume may change {', '.join(sorted(CHANGEABLE))}.")
    return changed


def entry(step: int, changed: Mapping[str, list[Any]], note: str | None) -> dict[str, Any]:
    return {"step": step, "time": _dt.datetime.now().isoformat(timespec="seconds"), "changed": dict(changed),
            **({"note": note} if note else {})}
