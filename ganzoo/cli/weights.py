"""``ganzoo weights ...``: the pretrained catalogue and its cache."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import sys

import click

from ganzoo.cli.output import echo_json, echo_table, human_size


@click.group("weights")
def weights_group() -> None:
    """Pretrained weights: list, download, verify, locate."""


@weights_group.command("list")
@click.argument("model", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(model: str | None, as_json: bool) -> None:
    """Declared pretrained weights (of MODEL only, if given), with cache status."""
    from ganzoo.artifacts import weights
    from ganzoo.host import get_host
    from ganzoo.registry import as_dict

    registry = get_host().registry
    entries = registry.weights_for(registry.get_model(model)) if model else list(registry.weights)
    if as_json:
        echo_json([{**as_dict(w), "name": w.name, "cached": weights.cache_path(w).is_file(), "path": str(weights.cache_path(w))}
                   for w in entries])
        return
    rows = [(w.name + (" *" if w.default else ""), w.dataset or "-", human_size(w.size), w.license or "-",
             "yes" if weights.cache_path(w).is_file() else "no", _metrics(w.metrics)) for w in entries]
    echo_table(("NAME", "DATA", "SIZE", "LICENCE", "CACHED", "METRICS"), rows)
    if rows:
        click.echo("\n* the model's default tag.  Use a name anywhere a run goes: ganzoo sample NAME --out grid.png")


def _metrics(metrics: object) -> str:
    return ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in dict(metrics).items()) or "-"


@weights_group.command("download")
@click.argument("names", nargs=-1, required=True)
def download_cmd(names: tuple[str, ...]) -> None:
    """Fetch NAME.TAG into the cache (verifying its sha256)."""
    from ganzoo.artifacts import weights

    for name in names:
        spec = weights.get(name)
        path = weights.ensure(spec, repair=True)  # a damaged cached file is fetched again
        click.echo(f"{spec.name}: {path}")


@weights_group.command("verify")
@click.argument("names", nargs=-1)
def verify_cmd(names: tuple[str, ...]) -> None:
    """Re-hash cached weights (all, or NAME.TAG ...) against their declared sha256."""
    from ganzoo.artifacts import weights
    from ganzoo.host import get_host

    specs = [weights.get(n) for n in names] if names else list(get_host().registry.weights)
    bad = 0
    for spec in specs:
        status, actual = weights.verify(spec)
        line = f"{spec.name}: {status}"
        if status == "MISMATCH":
            bad += 1
            line += (f" (expected {spec.sha256}, got {actual}); delete {weights.cache_path(spec)} and "
                     f"`ganzoo weights download {spec.name}` again")
        click.echo(line)
    if bad:
        sys.exit(1)


@weights_group.command("path")
@click.argument("name")
def path_cmd(name: str) -> None:
    """Print where NAME.TAG lives in the cache (fetching it first if needed)."""
    from ganzoo.artifacts import weights

    click.echo(str(weights.ensure(weights.get(name))))
