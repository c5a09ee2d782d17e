"""Reading a run folder for its report: whatever it holds, with nothing assumed.

A report is most wanted when a run went wrong, so every part is optional: a run killed
before its first checkpoint, a folder with checkpoints but no config, a ``metrics.jsonl``
whose last line was cut off. What is missing becomes a note in the report, never an error;
only a folder with none of a run's files is refused. Nothing here imports torch: the
report reads files, it does not load models.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.errors import GanzooError
from ganzoo.training import best
from ganzoo.training.run_record import RUN_RECORD
from ganzoo.training.run_record import read as read_record

#: adaptive augmentation's p and r_t (``--augment ada``): probabilities in [0, 1] and [-1, 1], plotted on their own
AUGMENT_FIGURES = ("aug_p", "aug_rt")
#: metrics.jsonl keys that are not training figures to plot as losses
NOT_LOSSES = frozenset({"step", "images_per_s", "lr", "epoch", "seconds", *AUGMENT_FIGURES})


class NotARunError(GanzooError):
    """The folder holds none of a run's files."""


@dataclass
class Checkpoint:
    name: str
    step: int | None
    size: int
    modified: str
    is_last: bool = False
    best: str = ""  # for best.pt: "fid 12.3 at step 4000", the score that made it the best


@dataclass
class Evaluation:
    """One scoring of the run: ``source`` says where it was recorded."""

    source: str
    step: int | None
    scores: dict[str, Any]
    provenance: dict[str, Any]


@dataclass
class RunReport:
    """Everything a report shows, as read from the folder."""

    dir: Path
    config: dict[str, Any] | None = None
    record: dict[str, Any] | None = None
    metrics: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    samples: list[tuple[int, Path]] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    status: str = "unknown"
    status_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def last_step(self) -> int | None:
        steps = [r["step"] for r in self.metrics] + [c.step for c in self.checkpoints if c.step is not None]
        steps += [s for s, _ in self.samples]
        return max(steps) if steps else None

    @property
    def total_steps(self) -> int | None:
        if self.record and self.record.get("total_steps"):
            return int(self.record["total_steps"])
        resolved = (self.config or {}).get("resolved", {})
        return int(resolved["total_steps"]) if resolved.get("total_steps") else None

    @property
    def final_evaluation(self) -> Evaluation | None:
        """The evaluation of the latest step (the later one recorded, on a tie)."""
        best = None
        for evaluation in self.evaluations:
            if best is None or (evaluation.step or -1) >= (best.step or -1):
                best = evaluation
        return best

    @property
    def loss_names(self) -> list[str]:
        names: dict[str, None] = {}
        for row in self.metrics:
            names.update({k: None for k, v in row.items() if k not in NOT_LOSSES and _number(v)})
        return list(names)


def gather(run_dir: Path) -> RunReport:
    """Read ``run_dir`` (a run folder, or one of its checkpoint files) for its report."""
    if run_dir.suffix == ".pt" and run_dir.is_file():
        run_dir = run_dir.resolve().parent.parent
    if not run_dir.is_dir():
        raise NotARunError(f"no folder at {str(run_dir)!r}; pass the run folder that `ganzoo train` printed.")
    parts = ("config.json", RUN_RECORD, "metrics.jsonl", "checkpoints", "samples")
    if not any((run_dir / p).exists() for p in parts):
        raise NotARunError(f"{str(run_dir)!r} is not a ganzoo run folder (it has none of config.json, run.json, "
                           "metrics.jsonl, checkpoints/, samples/); pass the folder that `ganzoo train` printed.")
    report = RunReport(dir=run_dir, config=_json(run_dir / "config.json"), record=read_record(run_dir))
    rows = _jsonl(run_dir / "metrics.jsonl", report.notes)
    report.metrics = [r for r in rows if not any(k.startswith("eval/") for k in r)]
    report.evaluations = _evaluations(run_dir, report.notes)
    report.samples = _numbered(run_dir / "samples", "*.png")
    report.checkpoints = _checkpoints(run_dir / "checkpoints")
    if report.config is None:
        report.notes.append("no config.json: the run's settings are unknown.")
    if not report.samples:
        report.notes.append("no sample grids yet (samples/ is empty or missing).")
    if not report.checkpoints:
        report.notes.append("no checkpoints: the run stopped before its first one, so it cannot be resumed.")
    report.status, report.status_note = _status(report)
    return report


def _status(report: RunReport) -> tuple[str, str]:
    """(status, how it is known): run.json's, unless the process it names as running is gone."""
    holder = _lock_holder(report.dir)
    record = report.record or {}
    status = record.get("status")
    if status and status != "running":
        step = record.get("end_step")
        return status, f"recorded in run.json at step {step}" + (f": {record['error']}" if record.get("error") else "")
    if holder is not None:
        return "running", f"process {holder} holds the run's lock"
    last, total = report.last_step, report.total_steps
    if status == "running":
        return "interrupted", "run.json says running, but no process holds the run: it was killed or crashed"
    if last is not None and total is not None and last >= total:
        return "finished", f"inferred: step {last} of {total} reached (no run.json)"
    return "interrupted", f"inferred: stopped at step {last} of {total} (no run.json)"


def _lock_holder(run_dir: Path) -> int | None:
    """The PID in the run's lock if that process is alive, else None."""
    try:
        pid = int((run_dir / ".lock").read_text().strip())
    except (OSError, ValueError):  # no lock, or unreadable
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:  # its process is gone (killed)
        return None
    except PermissionError:  # someone else's live process
        return pid
    return pid


def _json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _jsonl(path: Path, notes: list[str]) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    rows, bad = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line) if line.strip() else None
        except ValueError:
            row = None
            bad += 1
        if isinstance(row, dict) and isinstance(row.get("step"), int):
            rows.append(row)
    if bad:
        notes.append(f"{path.name}: {bad} unreadable line(s) skipped (a run killed while writing leaves one).")
    return rows


def _evaluations(run_dir: Path, notes: list[str]) -> list[Evaluation]:
    """Scores from ``--eval-every`` (evaluations.jsonl) and any ``ganzoo eval --out`` JSON kept in the folder."""
    found = [Evaluation(f"during training at step {r['step']} (--eval-every)", r["step"], r.get("scores", {}), r.get("provenance", {}))
             for r in _jsonl(run_dir / "evaluations.jsonl", notes)]
    for path in sorted(run_dir.glob("*.json")):
        value = _json(path) if path.name not in ("config.json", RUN_RECORD) else None
        if value and isinstance(value.get("scores"), dict) and isinstance(value.get("provenance"), dict):
            step = value["provenance"].get("checkpoint_step")
            found.append(Evaluation(f"by ganzoo eval ({path.name})", step if isinstance(step, int) else None,
                                    value["scores"], value["provenance"]))
    return found


def _step_of(path: Path) -> int | None:
    tail = path.stem.rpartition("-")[2]
    return int(tail) if path.stem.startswith("step-") and tail.isdigit() else None


def _numbered(folder: Path, pattern: str) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        return []
    return sorted((step, p) for p in folder.glob(pattern) if (step := _step_of(p)) is not None)


def _checkpoints(folder: Path) -> list[Checkpoint]:
    """The ``step-*.pt`` files, the one ``last.pt`` is (a hard link) marked; ``last.pt`` gets
    its own row only when it is not one of them (a copy, where links are not possible)."""
    if not folder.is_dir():
        return []
    last = folder / "last.pt"
    record = best.read(folder)
    found: list[Checkpoint] = []
    for path in sorted(folder.glob("*.pt"), key=lambda p: (p.name == "last.pt", p.name)):
        is_last = last.exists() and os.path.samefile(path, last)
        if path.name == "last.pt" and any(c.is_last for c in found):
            continue
        stat = path.stat()
        found.append(Checkpoint(path.name, _step_of(path), stat.st_size,
                                _dt.datetime.fromtimestamp(stat.st_mtime).isoformat(sep=" ", timespec="seconds"),
                                is_last=is_last))
        if path.name == best.BEST_FILE and record:
            found[-1].step = record.get("step")
            found[-1].best = f"the best: {record.get('metric')} {record.get('value', 0):.4g} at step {record.get('step')}"
    return found


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
