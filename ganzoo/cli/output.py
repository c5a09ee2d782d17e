"""Plain-text tables and JSON for the catalogue commands (no rich dependency needed)."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import json
import shutil
import sys
from collections.abc import Sequence
from typing import Any

import click


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], wide: bool = False) -> None:
    """Columns padded to fit. On a terminal the last column is cut to its width (…) unless
    ``wide``; piped or redirected output is never cut."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    if not wide and _is_terminal():
        width = shutil.get_terminal_size((120, 24)).columns
        used = sum(widths[:-1]) + 2 * (len(widths) - 1)
        widths[-1] = max(len(headers[-1]), min(widths[-1], width - used))

    def line(values: Sequence[str]) -> str:
        parts = [v.ljust(w) if i < len(values) - 1 else _cut(v, w) for i, (v, w) in enumerate(zip(values, widths))]
        return "  ".join(parts).rstrip()

    click.echo(click.style(line(list(headers)), bold=True))
    for row in cells:
        click.echo(line(row))


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: max(width - 1, 0)] + "…"


def human_size(size: int) -> str:
    """A byte count as people read it (12.3 MB)."""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)
