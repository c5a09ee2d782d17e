"""``ganzoo report``: write a run's self-contained HTML report (ganzoo.services.report)."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps matplotlib (and torch) off the fast path of the CLI
from pathlib import Path

import click


@click.command("report")
@click.argument("run")
@click.option("--out", type=click.Path(dir_okay=False), help="Where to write the page [default: RUN/report.html].")
def report_cmd(run: str, out: str | None) -> None:
    """Write one HTML page that shows RUN (a run folder): its loss curves and images/s, the
    sample grids, the final metrics and their provenance, the command and config, the
    checkpoints and whether it finished. Works on interrupted runs too.
    """
    from ganzoo.services.report import write_report

    path = write_report(Path(run), Path(out) if out else None)
    click.echo(f"wrote {path}")
