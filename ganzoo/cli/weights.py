"""``ganzoo weights ...`` (the pretrained catalogue and its cache) and ``ganzoo export``."""

from __future__ import annotations

import json
import sys

import click

from ganzoo.cli.output import echo_json, echo_table


def _human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


@click.group("weights")
def weights_group() -> None:
    """Pretrained weights: list, download, verify, locate."""


@weights_group.command("list")
@click.argument("model", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(model: str | None, as_json: bool) -> None:
    """Declared pretrained weights (of MODEL only, if given), with cache status."""
    from ganzoo import weights
    from ganzoo.plugins import get_host
    from ganzoo.registry import as_dict

    registry = get_host().registry
    entries = registry.weights_for(registry.get_model(model)) if model else list(registry.weights)
    if as_json:
        echo_json([{**as_dict(w), "name": w.name, "cached": weights.cache_path(w).is_file(), "path": str(weights.cache_path(w))}
                   for w in entries])
        return
    rows = [(w.name + (" *" if w.default else ""), w.dataset or "-", _human(w.size), w.license or "-",
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
    from ganzoo import weights

    for name in names:
        spec = weights.get(name)
        path = weights.ensure(spec)
        click.echo(f"{spec.name}: {path}")


@weights_group.command("verify")
@click.argument("names", nargs=-1)
def verify_cmd(names: tuple[str, ...]) -> None:
    """Re-hash cached weights (all, or NAME.TAG ...) against their declared sha256."""
    from ganzoo import weights
    from ganzoo.plugins import get_host

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
    from ganzoo import weights

    click.echo(str(weights.ensure(weights.get(name))))


@click.command("export")
@click.argument("run")
@click.option("--tag", required=True, help="The tag users will type after the model name (dcgan.TAG).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .safetensors file to write.")
@click.option("--fp16", is_flag=True, help="Store floating-point weights as float16 (half the size).")
@click.option("--no-metrics", is_flag=True, help="Do not score the run (ganzoo eval's defaults) for the entry.")
@click.option("-n", "count", type=int, help="Samples for the scores [default: ganzoo eval's].")
@click.option("--live", is_flag=True, help="Export the live weights even where the run kept an EMA.")
def export_cmd(run: str, tag: str, out: str, fp16: bool, no_metrics: bool, count: int | None, live: bool) -> None:
    """Write RUN's sampling weights as a safetensors file with its metadata, score the file,
    and print the WeightsSpec entry (sha256, size, command, metrics) for a plugin."""
    from ganzoo import weights
    from ganzoo.evaluation import evaluate

    def score(path: object) -> dict:  # scores of exactly this file (fp16 included), not of the run it came from
        scores = evaluate(path, n=count)["scores"]
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items() if not isinstance(v, list)}

    entry = weights.export(run, tag, out, fp16=fp16, use_ema=not live, score=None if no_metrics else score)
    click.echo(f"wrote {out} ({_human(entry['size'])}, sha256 {entry['sha256']})\n")
    click.echo("register it in your plugin:\n")
    click.echo(f"""    register(WeightsSpec(
        model={entry['model']!r},
        tag={entry['tag']!r},
        urls=("package://YOUR_MODULE/weights/{out.rsplit('/', 1)[-1]}",),
        sha256={entry['sha256']!r},
        size={entry['size']},
        license="CC-BY-4.0",
        dataset={entry['dataset']!r},
        command={entry['command']!r},
        metrics={json.dumps(entry['metrics'])},
    ))""")
