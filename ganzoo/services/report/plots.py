"""The report's figures, drawn by matplotlib and inlined as PNG data URIs.

matplotlib is imported here only, and only when a report is drawn, so the CLI's other
commands never pay for it. The object API (``Figure`` with an Agg canvas) is used rather
than ``pyplot``: no global figure state, no GUI backend chosen behind the caller's back,
safe at the end of a training run inside someone else's program.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ganzoo.services.report.gather import AUGMENT_FIGURES, RunReport

#: the longest side of a sample grid in the report; larger grids are scaled down
SAMPLE_MAX_PX = 512
#: at most this many sample grids in the strip (evenly spaced, always the first and last)
SAMPLE_MAX_COUNT = 24


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(rows: int, width: float = 9.0, height: float = 2.8) -> Any:
    """A figure with fixed margins (in inches, whatever its height): a layout engine that
    measures every label costs more than the whole rest of the report."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazy: matplotlib only when drawing
    from matplotlib.figure import Figure  # lazy: matplotlib only when drawing

    total = height * rows
    fig = Figure(figsize=(width, total), dpi=100)
    fig.subplots_adjust(left=1.0 / width, right=1 - 0.2 / width, bottom=0.55 / total, top=1 - 0.35 / total,
                        hspace=0.75 / height, wspace=0.3)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return data_uri(buffer.getvalue())


def _mark_resumes(ax: Any, resumes: Sequence[int]) -> None:
    for step in resumes:
        ax.axvline(step, color="0.6", linestyle=":", linewidth=1)


def _series(rows: Sequence[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    points = [(r["step"], float(r[key])) for r in rows
              if isinstance(r.get(key), (int, float)) and math.isfinite(float(r[key]))]
    return [s for s, _ in points], [v for _, v in points]


def resume_steps(report: RunReport) -> list[int]:
    return [int(r["from_step"]) for r in (report.record or {}).get("resumes", []) if r.get("from_step")]


def loss_curves(report: RunReport) -> str | None:
    """Each training figure (the family's losses) against the step; None when nothing was logged."""
    names = report.loss_names
    if not names:
        return None
    fig = _figure(1)
    ax = fig.add_subplot()
    for name in names:
        steps, values = _series(report.metrics, name)
        ax.plot(steps, values, label=name, linewidth=1.2)
    _mark_resumes(ax, resume_steps(report))
    ax.set(xlabel="step", ylabel="loss", title="training losses (mean of each logging window)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return _png(fig)


def throughput(report: RunReport) -> str | None:
    """images/s and the learning rate against the step."""
    steps, rates = _series(report.metrics, "images_per_s")
    if not steps:
        return None
    lr_steps, lrs = _series(report.metrics, "lr")
    fig = _figure(2 if lr_steps else 1, height=2.2)
    axes = fig.subplots(2 if lr_steps else 1, 1, sharex=True, squeeze=False)[:, 0]
    axes[0].plot(steps, rates, color="tab:green", linewidth=1.2)
    axes[0].set(ylabel="images/s", title="throughput (per logging window)")
    if lr_steps:
        axes[1].plot(lr_steps, lrs, color="tab:purple", linewidth=1.2)
        axes[1].set(ylabel="learning rate")
    for ax in axes:
        ax.grid(alpha=0.3)
        _mark_resumes(ax, resume_steps(report))
    axes[-1].set_xlabel("step")
    return _png(fig)


def augmentation(report: RunReport) -> str | None:
    """ADA's p and r_t against the step (``--augment ada``); None when the run did not log them."""
    series = {name: _series(report.metrics, name) for name in AUGMENT_FIGURES}
    if not any(steps for steps, _ in series.values()):
        return None
    fig = _figure(1, height=2.2)
    ax = fig.add_subplot()
    for name, (steps, values) in series.items():
        ax.plot(steps, values, label=name, linewidth=1.2)
    _mark_resumes(ax, resume_steps(report))
    ax.set(xlabel="step", title="adaptive augmentation: p and r_t = E[sign D(real)]")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return _png(fig)


def evaluation_curves(report: RunReport) -> str | None:
    """Each scalar score against the step, when the run was scored at two steps or more."""
    scored = [e for e in report.evaluations if e.step is not None]
    names = list(dict.fromkeys(k for e in scored for k, v in e.scores.items()
                               if isinstance(v, (int, float)) and not isinstance(v, bool)))
    if len({e.step for e in scored}) < 2 or not names:
        return None
    names = names[:6]
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig = _figure(rows, height=2.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        points = sorted((e.step, float(e.scores[name])) for e in scored if isinstance(e.scores.get(name), (int, float)))
        ax.plot([s for s, _ in points], [v for _, v in points], marker="o", linewidth=1.2)
        ax.set(title=name, xlabel="step")
        ax.grid(alpha=0.3)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return _png(fig)


def pick_samples(samples: Sequence[tuple[int, Path]], limit: int = SAMPLE_MAX_COUNT) -> list[tuple[int, Path]]:
    """At most ``limit`` of the grids, evenly spaced over the run, first and last kept."""
    if len(samples) <= limit:
        return list(samples)
    picks = sorted({round(i * (len(samples) - 1) / (limit - 1)) for i in range(limit)})
    return [samples[i] for i in picks]


def sample_image(path: Path) -> str | None:
    """A sample grid as a data URI, scaled down past SAMPLE_MAX_PX; None if it cannot be read
    (a run killed while writing it)."""
    from PIL import Image  # lazy: only when drawing a report

    try:
        with Image.open(path) as image:
            image.load()
            if max(image.size) <= SAMPLE_MAX_PX:
                return data_uri(path.read_bytes())
            image.thumbnail((SAMPLE_MAX_PX, SAMPLE_MAX_PX))
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
    except OSError:
        return None
    return data_uri(buffer.getvalue())
