"""Built-in trainer-hook plugins: the JSONL metrics and evaluation logs, and TensorBoard when installed.

Both are ordinary plugins of the trainer hooks, exactly as a third party would
write a Weights & Biases or MLflow logger.
"""

from __future__ import annotations

import json
from typing import Any

from ganzoo.hookspecs import hookimpl

_writers: dict[str, Any] = {}


@hookimpl
def ganzoo_train_step_end(run: Any, step: int, metrics: dict[str, float]) -> None:
    """One JSON object per logged step in ``metrics.jsonl``."""
    with open(run.metrics_path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"step": step, **metrics}) + "\n")
    writer = _tensorboard(run)
    if writer is not None:
        for name, value in metrics.items():
            writer.add_scalar(name, value, step)


@hookimpl
def ganzoo_evaluate(run: Any, step: int, results: dict[str, Any]) -> None:
    """Each in-training evaluation, scores and provenance, in ``evaluations.jsonl``."""
    with open(run.dir / "evaluations.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"step": step, **results}, default=str) + "\n")


@hookimpl
def ganzoo_sample(run: Any, step: int, path: str) -> None:
    writer = _tensorboard(run)
    if writer is not None:
        import numpy as np
        from PIL import Image

        writer.add_image("samples", np.asarray(Image.open(path).convert("RGB")), step, dataformats="HWC")


@hookimpl
def ganzoo_train_end(run: Any, summary: dict[str, Any]) -> None:
    writer = _writers.pop(str(run.dir), None)
    if writer is not None:
        writer.close()


def _tensorboard(run: Any) -> Any:
    """A SummaryWriter under ``run_dir/tensorboard`` if tensorboard is installed, else None."""
    key = str(run.dir)
    if key not in _writers:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # tensorboard not installed: this logger stays off
            _writers[key] = None
        else:
            _writers[key] = SummaryWriter(log_dir=str(run.dir / "tensorboard"))
    return _writers[key]
