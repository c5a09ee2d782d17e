"""The report's HTML: one self-contained page (inline CSS, images as data URIs, no script,
no external reference), so it can be mailed, attached to an issue or opened offline.

Everything that comes from the run folder (names, settings, commands, errors) is escaped:
a folder name or a config value is text, never markup.
"""

from __future__ import annotations

import json
import shlex
from html import escape
from typing import Any

from ganzoo._version import __version__
from ganzoo.services.report import plots
from ganzoo.services.report.gather import Evaluation, RunReport

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       color: #1d1d1f; background: #fff; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; word-break: break-all; }
h2 { font-size: 1.15em; border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 1.8em; }
table { border-collapse: collapse; font-size: .9em; }
td, th { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f5f5f7; }
pre { background: #f5f5f7; padding: .8em; overflow-x: auto; font-size: .85em; white-space: pre-wrap; }
.status { display: inline-block; padding: .15em .6em; border-radius: .8em; color: #fff; font-weight: 600; }
.finished { background: #2e7d32; } .interrupted { background: #ef6c00; } .running { background: #1565c0; }
.diverged, .failed, .unknown { background: #c62828; }
.strip { display: flex; gap: .8em; overflow-x: auto; padding-bottom: .5em; }
.strip figure { margin: 0; text-align: center; flex: 0 0 auto; }
.strip img { height: 220px; image-rendering: pixelated; border: 1px solid #ddd; }
.note { color: #8a5300; }
img.plot { max-width: 100%; }
pre.settings { column-width: 20em; }
td { word-break: break-word; max-width: 60em; }
"""


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(_text(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _facts(rows: list[list[Any]]) -> str:
    """A two-column table of names and values."""
    body = "".join(f"<tr><th>{escape(_text(k))}</th><td>{escape(_text(v))}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return "" if value is None else str(value)


def _img(uri: str | None, alt: str) -> str:
    return f'<img class="plot" src="{uri}" alt="{escape(alt)}">' if uri else f'<p class="note">{escape(alt)}: nothing logged yet.</p>'


def _header(r: RunReport) -> str:
    config, record = r.config or {}, r.record or {}
    total = r.total_steps
    step = record.get("end_step") if record.get("end_step") is not None else r.last_step
    facts = [["model", config.get("model", "unknown")], ["data", config.get("data", "unknown")],
             ["steps", f"{step if step is not None else '?'} of {total if total is not None else '?'}"],
             ["started", record.get("started", "unknown")], ["ended", record.get("ended") or "-"],
             ["ganzoo", record.get("ganzoo_version") or (config.get("versions") or {}).get("ganzoo", "unknown")]]
    if r.metrics and "seconds" in r.metrics[-1]:
        facts.append(["training time (last session)", f"{float(r.metrics[-1]['seconds']):.1f} s"])
    notes = "".join(f'<li class="note">{escape(n)}</li>' for n in r.notes)
    return (f"<h1>ganzoo run {escape(r.dir.name)}</h1><p><code>{escape(str(r.dir))}</code></p>"
            f'<section id="status"><h2>Status</h2><p><span class="status {escape(r.status)}">{escape(r.status)}</span> '
            f"{escape(r.status_note)}</p>{_facts(facts)}" + (f"<ul>{notes}</ul>" if notes else "")
            + "</section>")


def _curves(r: RunReport) -> str:
    resumes = plots.resume_steps(r)
    said = f"<p>Dotted lines: resumed at step {', '.join(map(str, resumes))}.</p>" if resumes else ""
    return ('<section id="curves"><h2>Training curves</h2>' + said + _img(plots.loss_curves(r), "losses")
            + _img(plots.throughput(r), "images/s")
            + (_img(augment, "adaptive augmentation") if (augment := plots.augmentation(r)) else "") + "</section>")


def _samples(r: RunReport) -> str:
    picked = plots.pick_samples(r.samples)
    if not picked:
        return '<section id="samples"><h2>Samples</h2><p class="note">No sample grids were saved.</p></section>'
    figures = []
    for step, path in picked:
        uri = plots.sample_image(path)
        body = f'<img src="{uri}" alt="samples at step {step}">' if uri else '<p class="note">unreadable</p>'
        figures.append(f"<figure>{body}<figcaption>step {step}</figcaption></figure>")
    shown = f" (showing {len(picked)} of {len(r.samples)}, evenly spaced)" if len(picked) < len(r.samples) else ""
    return (f'<section id="samples"><h2>Samples</h2><p>The same fixed inputs at each saved step{escape(shown)}.</p>'
            f'<div class="strip">{"".join(figures)}</div></section>')


def _metrics(r: RunReport) -> str:
    parts = ['<section id="metrics"><h2>Final metrics</h2>']
    final: Evaluation | None = r.final_evaluation
    if final is None:
        parts.append('<p class="note">The run was not scored (train with --eval-every N, or run '
                     '<code>ganzoo eval RUN --out RUN/eval.json</code>).</p>')
    else:
        scores = [[k, v] for k, v in final.scores.items()]
        parts.append(f"<p>Scored {escape(final.source)}.</p>{_table(['metric', 'value'], scores)}"
                     f"<h3>Provenance</h3>{_facts(list(map(list, final.provenance.items())))}")
        if len(r.evaluations) > 1:
            parts.append(_img(plots.evaluation_curves(r), "scores over steps"))
    if r.metrics:
        last = r.metrics[-1]
        parts.append(f"<h3>Last logged training figures (step {last['step']})</h3>"
                     + _table(["figure", "value"], [[k, v] for k, v in last.items() if k != "step"]))
    return "".join(parts) + "</section>"


def _config(r: RunReport) -> str:
    record = r.record or {}
    parts = ['<section id="config"><h2>Command and config</h2>']
    if record.get("command"):
        parts.append(f"<p>Started with:</p><pre>{escape(shlex.join(record['command']))}</pre>")
        if record.get("python_call"):
            parts.append(f"<p>(from Python: <code>{escape(record['python_call'])}</code>)</p>")
    else:
        parts.append('<p class="note">The command is not known (no run.json: a run from before it was kept).</p>')
    for resume in record.get("resumes", []):
        parts.append(f"<p>Resumed at step {escape(_text(resume.get('from_step')))} "
                     f"({escape(_text(resume.get('started')))}):</p><pre>{escape(shlex.join(resume.get('command') or []))}</pre>")
    if record.get("error"):
        parts.append(f"<p>Stopped by:</p><pre>{escape(record['error'])}</pre>")
    if r.config is not None:
        settings = r.config.get("config") if isinstance(r.config.get("config"), dict) else {}
        lines = "\n".join(f"{k} = {json.dumps(v, default=str)}" for k, v in settings.items())
        others = [[k, v] for k, v in r.config.items() if k not in ("config", "model", "data")]
        parts.append(f'<p>Settings (config.json):</p><pre class="settings">{escape(lines)}</pre>{_facts(others)}'
                     f"<details><summary>config.json as saved</summary>"
                     f"<pre>{escape(json.dumps(r.config, indent=2, default=str))}</pre></details>")
    return "".join(parts) + "</section>"


def _checkpoints(r: RunReport) -> str:
    rows = [[c.name + ("  (last.pt)" if c.is_last else "") + (f"  ({c.best})" if c.best else ""), c.step,
             f"{c.size / 1e6:.1f} MB", c.modified]
            for c in r.checkpoints]
    body = _table(["file", "step", "size", "written"], rows) if rows else '<p class="note">No checkpoints.</p>'
    return f'<section id="checkpoints"><h2>Checkpoints</h2>{body}</section>'


def render(report: RunReport) -> str:
    """The whole page for ``report``."""
    sections = [_header(report), _curves(report), _samples(report), _metrics(report), _config(report),
                _checkpoints(report)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>ganzoo run {escape(report.dir.name)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(sections)
            + f"<footer><p>Written by ganzoo {escape(__version__)} (ganzoo report).</p></footer></body></html>\n")
