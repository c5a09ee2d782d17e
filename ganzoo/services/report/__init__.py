"""``ganzoo report``: one self-contained HTML page that shows a run.

Gathering (``gather``: read the folder, torch-free) is kept apart from drawing
(``plots``: matplotlib) and from the page (``render``: HTML), so each can be tested alone
and the page can be rebuilt from any run folder, finished, interrupted or half-written.
The Trainer writes the report itself when training stops (``ganzoo.train`` hands it
``write_report``); ``ganzoo report RUN`` writes it again at any time.
"""

from __future__ import annotations

from pathlib import Path

from ganzoo.files import atomic_write
from ganzoo.services.report.gather import NotARunError, RunReport, gather
from ganzoo.services.report.render import render

REPORT = "report.html"

__all__ = ["REPORT", "NotARunError", "RunReport", "gather", "render", "write_report"]


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``run_dir`` to ``out`` (default ``RUN/report.html``); returns its path."""
    report = gather(Path(run_dir))
    path = Path(out) if out is not None else report.dir / REPORT
    page = render(report)
    atomic_write(path, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    return path
