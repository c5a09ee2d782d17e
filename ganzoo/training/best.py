"""The best checkpoint of a run that is scored while it trains (``--eval-every N``).

A GAN does not improve monotonically: a run that is too long can end worse than it was
halfway (D wins and G chases it from mode to mode). So each evaluation's headline score
is compared with the best so far, and a better one is kept as ``checkpoints/best.pt``
with ``checkpoints/best.json`` (its step, the metric and its value). The headline is the
Fréchet distance for images (lower is better), and for 2D points the modes covered
plus the high-quality share (higher is better). ``best.pt`` is an ordinary checkpoint
file: ``ganzoo sample``, ``eval`` and ``export`` take it as SOURCE. It lives beside the
step checkpoints, so pruning them never removes it, and a resumed run reads
``best.json`` and keeps improving on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ganzoo.files import atomic_write

BEST_FILE, RECORD_FILE = "best.pt", "best.json"


def headline(scores: Mapping[str, Any]) -> tuple[str, float, bool] | None:
    """(metric, value, higher_is_better) that picks the best checkpoint; None when the scores
    have none (a metric set without FID or modes)."""
    if isinstance(scores.get("fid"), (int, float)):
        return "fid", float(scores["fid"]), False
    if isinstance(scores.get("modes_covered"), (int, float)):
        return "modes+high_quality", float(scores["modes_covered"]) + float(scores.get("high_quality", 0.0)), True
    fids = [float(v) for k, v in scores.items() if k.startswith("fid") and isinstance(v, (int, float))]
    return ("fid (sum over directions)", sum(fids), False) if fids else None


def read(folder: Path) -> dict[str, Any] | None:
    """The run's best-checkpoint record, if it has one."""
    try:
        return json.loads((folder / RECORD_FILE).read_text())
    except (OSError, ValueError):
        return None


def keep_if_best(folder: Path, step: int, scores: Mapping[str, Any], save: Callable[[Path], None]) -> bool:
    """Write ``best.pt`` (by ``save(path)``) and ``best.json`` when ``scores`` beat the record;
    True when they did."""
    chosen = headline(scores)
    if chosen is None:
        return False
    metric, value, higher = chosen
    record = read(folder)
    if record is not None and record.get("metric") == metric:
        if (value <= record["value"]) if higher else (value >= record["value"]):
            return False
    save(folder / BEST_FILE)
    body = json.dumps({"step": step, "metric": metric, "value": value, "higher_is_better": higher}, indent=1)
    atomic_write(folder / RECORD_FILE, lambda tmp: Path(tmp).write_text(body + "\n"))
    return True
