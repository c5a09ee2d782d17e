"""A training run as the trainer hooks see it: its folder, config, model and progress."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from ganzoo.nn.base import DataInfo
from ganzoo.nn.model import GanModel
from ganzoo.registry import ModelSpec
from ganzoo.training import distributed as ddp
from ganzoo.training.ema import EMA, unwrap


@dataclass
class Run:
    """A training run, as trainer hooks see it."""

    dir: Path
    config: dict[str, Any]
    spec: ModelSpec
    model: GanModel
    data_info: DataInfo
    data_source: str
    world: ddp.World = field(default_factory=ddp.World)
    step: int = 0
    ema: EMA | None = None
    status: str = "running"

    @property
    def is_main(self) -> bool:
        return self.world.is_main

    @property
    def checkpoints_dir(self) -> Path:
        return self.dir / "checkpoints"

    @property
    def samples_dir(self) -> Path:
        return self.dir / "samples"

    @property
    def metrics_path(self) -> Path:
        return self.dir / "metrics.jsonl"

    @property
    def last_checkpoint(self) -> Path | None:
        path = self.checkpoints_dir / "last.pt"
        return path if path.exists() else None

    def sampling_nets(self) -> dict[str, nn.Module]:
        """Eval-mode copies of the sampling nets: the EMA nets where kept, else the live weights."""
        if self.ema is not None:
            return dict(self.ema.shadow)
        live = self.model.nets()
        return {name: copy.deepcopy(unwrap(live[name])).eval() for name in self.model.sampler_names}
