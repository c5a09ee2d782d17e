"""``RUN/run.json``: how a run was started and how it stopped.

``config.json`` says what a run trains; ``run.json`` says how it came to be: the exact
command (``["ganzoo", "train", ...]``, or for a run started from Python an equivalent
``python -c "import ganzoo; ganzoo.train(...)"``), the ganzoo version, when it started,
and, once training stops, its status (finished, interrupted, diverged, failed) and the
step it stopped at. The report (``ganzoo report``) and the model card read it, so it is
written by rank 0 only and always atomically: a reader never sees half a file.

A resumed run keeps the command that started it (that is what reproduces it) and adds
each resume's own command to ``resumes``.
"""

from __future__ import annotations

import datetime as _dt
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganzoo._version import __version__
from ganzoo.files import atomic_write

RUN_RECORD = "run.json"
STATUSES = ("running", "finished", "interrupted", "diverged", "failed")


def now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def python_call(model: str | None, data: Any, options: dict[str, Any]) -> str:
    """``ganzoo.train('vanilla', 'ring', steps=300)``: the Python call a run started with.

    Only unset options (None) and the default ``quiet=False`` are left out: another False
    (``ema=False``) is a setting the call made."""
    args = [repr(str(v)) for v in (model, data) if v is not None]
    args += [f"{k}={str(v) if isinstance(v, Path) else v!r}" for k, v in options.items()
             if v is not None and not (k == "quiet" and v is False)]
    return f"ganzoo.train({', '.join(args)})"


def python_command(call: str) -> list[str]:
    """A command line that makes the same Python call, so ``command`` is always an argv list."""
    return ["python", "-c", f"import ganzoo; {call}"]


def read(run_dir: Path) -> dict[str, Any] | None:
    """The run's record, or None when it has none (a run from before run.json) or it is unreadable."""
    try:
        record = json.loads((run_dir / RUN_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _write(run_dir: Path, record: dict[str, Any]) -> None:
    text = json.dumps(record, indent=2, default=str) + "\n"
    atomic_write(run_dir / RUN_RECORD, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def start(run_dir: Path, command: list[str], step: int, total_steps: int, python: str | None = None) -> None:
    """Record a start (``step`` 0) or a resume (``step`` > 0): status becomes running."""
    session = {"command": list(command), "ganzoo_version": __version__, "started": now(), "from_step": step,
               **({"python_call": python} if python else {})}
    record = read(run_dir)
    if record is None or step == 0:  # a new run, or one from before run.json: this session starts it
        record = {**session, "started_from": "python" if python else "cli", "resumes": []}
    else:
        record.setdefault("resumes", []).append(session)
    record.update({"status": "running", "end_step": None, "total_steps": total_steps, "ended": None, "error": None})
    _write(run_dir, record)


def stop(run_dir: Path, status: str, step: int, total_steps: int, error: str | None = None) -> None:
    """Record how training stopped: ``status`` (one of STATUSES) at ``step``."""
    record = read(run_dir) or {"command": None, "ganzoo_version": __version__, "started": None, "resumes": []}
    record.update({"status": status, "end_step": step, "total_steps": total_steps, "ended": now(), "error": error})
    _write(run_dir, record)


@dataclass
class RunRecord:
    """What the Trainer records in run.json, and the report it writes when training stops.

    The CLI makes one with the argv it was given; ``ganzoo.train`` with its Python call.
    ``reporter(run_dir)`` writes the run's report and returns its path; the Trainer sits
    below the report module, so the API hands it in (as it hands in the evaluator)."""

    command: list[str]
    python: str | None = None
    reporter: Callable[[Path], Path] | None = None

    @classmethod
    def from_python(cls, model: str | None, data: Any, **options: Any) -> RunRecord:
        call = python_call(model, data, options)
        return cls(python_command(call), call)

    @classmethod
    def from_plan(cls, plan: Any) -> RunRecord:
        """The Python call that repeats a ``RunPlan`` of a new run: its model, data and settings."""
        return cls.from_python(plan.spec.name, plan.data, out=plan.out, **dict(plan.config))

    def start(self, run_dir: Path, step: int, total_steps: int) -> None:
        start(run_dir, self.command, step, total_steps, self.python)

    def stop(self, run_dir: Path, status: str, step: int, total_steps: int, error: str | None = None) -> str:
        """Record the stop, then write the report; returns the report's line for the end message.
        Neither may fail the run: a failure is a warning."""
        try:
            stop(run_dir, status, step, total_steps, error)
        except OSError as exc:
            warnings.warn(f"{run_dir / RUN_RECORD} was not updated: {exc}", RuntimeWarning, stacklevel=2)
        if self.reporter is None:
            return ""
        try:
            path = self.reporter(run_dir)
        except Exception as exc:  # any failure of the report is a warning: the run itself is done
            warnings.warn(f"the run's report was not written: {type(exc).__name__}: {exc}", RuntimeWarning,
                          stacklevel=2)
            return ""
        return f"  report:      {path}\n"
