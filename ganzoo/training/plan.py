"""A run resolved once: ``plan_run`` turns what a user asked for into a frozen ``RunPlan``.

Everything that can be refused without drawing data is refused here, in one pass: the
model's name, the config layers (defaults, preset, file, settings; a resumed run's saved
config under them), what a resume may change, the world size a resume must keep, the
model against the kind of data named, ``--augment``, and the nets built once on a
stand-in at the asked image size. The Trainer, the ``--nproc`` launcher (which hands its
plan to the ranks it starts, as a file, so no rank resolves it again), ``ganzoo compare``
and the Python API all start from a plan; the Trainer only executes one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ganzoo.data import check_compatible, kind_of
from ganzoo.errors import DataError
from ganzoo.files import atomic_write
from ganzoo.folder_scan import count_images
from ganzoo.nn.build import check_before_data
from ganzoo.paths import is_path
from ganzoo.registry import ModelSpec
from ganzoo.training import resume as resume_rules
from ganzoo.training import rundir
from ganzoo.training.config import ConfigError, layered, read_config_file

#: the environment variable that points a rank started by ``--nproc`` at its launcher's plan
PLAN_ENV = "GANZOO_RUN_PLAN"
PLAN_FORMAT = 1


@dataclass(frozen=True)
class ResumeTarget:
    """The run a resume continues: its folder, the checkpoint to restore, its saved
    ``config.json`` record, and the settings this resume changes (``{key: [old, new]}``)."""

    run_dir: Path
    checkpoint: Path
    saved: Mapping[str, Any]
    changes: Mapping[str, list[Any]]


@dataclass(frozen=True)
class RunPlan:
    """One run, resolved: the model's spec, its validated config, the data (as named, and
    its kind), where the run folder goes and its name, the resume target, and the number
    of processes that will train it."""

    spec: ModelSpec
    config: Mapping[str, Any]
    data: str
    data_kind: str
    out: Path = Path("runs")
    resume: ResumeTarget | None = None
    world_size: int = 1
    folder_name: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", MappingProxyType(dict(self.config)))  # frozen all the way down
        object.__setattr__(self, "folder_name", f"{self.spec.name}-{rundir.data_label(self.data)}")

    # -- handing a plan to the ranks of --nproc ------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        target = self.resume
        return {"format": PLAN_FORMAT, "model": self.spec.qualified_name, "config": rundir.plain(dict(self.config)),
                "data": self.data, "data_kind": self.data_kind, "out": str(self.out), "world_size": self.world_size,
                "resume": None if target is None else {
                    "run_dir": str(target.run_dir), "checkpoint": str(target.checkpoint),
                    "saved": rundir.plain(dict(target.saved)), "changes": rundir.plain(dict(target.changes))}}

    def write(self, path: Path) -> Path:
        text = json.dumps(self.as_dict(), indent=1)
        atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        return path

    @classmethod
    def read(cls, path: str | Path, registry: Any) -> RunPlan:
        """A plan ``write`` saved: nothing is resolved again but the spec, by its qualified name."""
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        if record.get("format") != PLAN_FORMAT:
            raise ConfigError(f"{path}: a run plan of format {record.get('format')!r}; this ganzoo reads {PLAN_FORMAT}.")
        target = record["resume"]
        return cls(registry.get_model(record["model"]), record["config"], record["data"], record["data_kind"],
                   Path(record["out"]), None if target is None else ResumeTarget(
                       Path(target["run_dir"]), Path(target["checkpoint"]), target["saved"], target["changes"]),
                   int(record["world_size"]))


def plan_run(model: str | None = None, data: str | Path | None = None, *, settings: Mapping[str, Any] | None = None,
             resume: str | Path | None = None, config_file: str | Path | None = None, out: str | Path = "runs",
             world_size: int = 1, registry: Any = None) -> RunPlan:
    """The plan of a run of ``model`` on ``data`` (or of a resume of the run folder or
    checkpoint ``resume``), with ``settings`` over the model's defaults and a config file's;
    raises a GanzooError for anything that would fail before training starts."""
    if registry is None:
        from ganzoo.host import get_host  # lazy: callers that hold a registry pass it

        registry = get_host().registry
    file_layer = read_config_file(config_file) if config_file else {}
    target = None
    if resume is not None:
        run_dir, checkpoint, saved = rundir.find_resume(Path(resume))
        spec = registry.get_model(saved["model"])
        resume_rules.check_target(Path(resume), saved, spec, model, data, registry)
        resume_rules.check_world_size(Path(resume), saved, world_size)
        data = saved["data"]
    elif model is None:
        raise ConfigError("name a model to train (ganzoo list shows them), or --resume a run.")
    else:
        spec = registry.get_model(model)
    data = data if data is not None else file_layer.get("data")
    if data is None:  # a spec may name its default dataset in its defaults ("data": "shapes")
        data = spec.defaults.get("data")
    if data is None:
        raise ConfigError("say what to train on: --data NAME_OR_PATH (ganzoo datasets lists names).")
    file_layer.pop("data", None)
    config = layered(spec, saved=saved["config"] if resume is not None else None, file_layer=file_layer,
                     overrides=dict(settings or {}))
    if resume is not None:
        target = ResumeTarget(run_dir, checkpoint, saved, resume_rules.changes(saved["config"], config))
    data_kind = kind_of(str(data), registry)  # a registered set's kind, or a folder's layout: nothing drawn
    check_compatible(spec, data_kind, str(data), registry)
    check_before_data(spec, config, data_kind)  # --augment, and the nets built once on a stand-in
    refuse_too_few(str(data), config["batch_size"], world_size)
    return RunPlan(spec, config, str(data), data_kind, Path(out), target, world_size)


def refuse_too_few(data: str, batch_size: int, world_size: int) -> None:
    """A folder with fewer images than one batch for each process, refused from its listing."""
    size = count_images(data) if is_path(data) else None
    if size is not None and size < batch_size * world_size:
        each = f" for each of {world_size} processes ({batch_size * world_size})" if world_size > 1 else ""
        raise DataError(f"dataset {rundir.data_label(data)!r} has {size} samples, fewer than one batch of "
                        f"{batch_size}{each}; lower --batch-size" + (" or --nproc." if world_size > 1 else "."))


def handed_plan(registry: Any) -> RunPlan | None:
    """In a rank started by ``--nproc``: the plan its launcher resolved; elsewhere None."""
    path = os.environ.get(PLAN_ENV)
    return RunPlan.read(path, registry) if path else None
