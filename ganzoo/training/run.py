"""A training run as the trainer hooks see it: its folder, config, model and progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganzoo.nn.base import DataInfo
from ganzoo.nn.model import GanModel
from ganzoo.registry import ModelSpec
from ganzoo.training import distributed as ddp
from ganzoo.training.ema import EMA, plain_copy


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
        return {name: plain_copy(live[name]).eval() for name in self.model.sampler_names}


def fixed_inputs(model: GanModel, data: Any, n: int, generator: torch.Generator) -> dict[str, Any]:
    """What every sample grid of the run shows: fixed latents, or for image-to-image
    models fixed test images of both domains (train images when there is no test split)."""
    if not model.directions:
        return model.sample_inputs(n, generator)
    split = data.test if data.test is not None else data.train
    half = max(1, n // 2)
    pairs = [split[i] for i in range(min(half, len(split)))]
    a, b = (torch.stack([pair[d] for pair in pairs]) for d in (0, 1))
    return model.sample_inputs(n, generator, examples=(a, b))
