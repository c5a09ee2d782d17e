"""Plain-text tables and JSON for the catalogue commands (no rich dependency needed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from typing import Any

import click


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Columns padded to fit; the last column is cut to the terminal width."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
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
