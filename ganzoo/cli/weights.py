"""``ganzoo weights ...`` (the pretrained catalogue and its cache) and ``ganzoo export``."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI

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
        path = weights.ensure(spec, repair=True)  # a damaged cached file is fetched again
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
@click.option("--out", type=click.Path(dir_okay=False), help="The .safetensors file to write.")
@click.option("--into", "into", type=click.Path(file_okay=False, exists=True),
              help="A plugin's folder: write the file into its package's weights/ and add it to weights.toml.")
@click.option("--push", "push_url", metavar="URL",
              help="Upload the file, a model card (README.md) and samples.png to URL, e.g. hf://OWNER/REPO "
                   "(needs a plugin for the scheme: ganzoo-hf for hf://).")
@click.option("--license", "licence", help="With --push: the card's licence [default: the model's plugin's].")
@click.option("--default/--no-default", "default", default=None,
              help="With --into: make it the model's default tag [default: only if it has none].")
@click.option("--fp16", is_flag=True, help="Store floating-point weights as float16 (half the size).")
@click.option("--no-metrics", is_flag=True, help="Do not score the run (ganzoo eval's defaults) for the entry.")
@click.option("-n", "count", type=int, help="Samples for the scores [default: ganzoo eval's].")
@click.option("--live", is_flag=True, help="Export the live weights even where the run kept an EMA.")
def export_cmd(run: str, tag: str, out: str | None, into: str | None, push_url: str | None, licence: str | None,
               default: bool | None, fp16: bool, no_metrics: bool, count: int | None, live: bool) -> None:
    """Write RUN's sampling weights as a safetensors file with its metadata and score the file.

    With --into PLUGIN_DIR the file goes into the plugin's package (weights/MODEL-TAG.safetensors)
    and its entry (sha256, size, licence from the plugin's pyproject.toml, command, metrics) into
    its weights/weights.toml; with --out, the entry to add there is printed. With --push URL the
    file, a model card and a sample grid are uploaded there (docs: "Sharing weights")."""
    if sum(x is not None for x in (out, into, push_url)) != 1:
        raise click.UsageError("give one of --out FILE, --into PLUGIN_DIR or --push URL.")
    if licence is not None and push_url is None:
        raise click.UsageError("--license goes with --push (--into takes the plugin's licence).")
    from ganzoo.evaluation import evaluate  # lazy: keeps torch off the CLI's fast path (and off usage errors)
    from ganzoo.export import export, export_into, metrics_of
    from ganzoo.manifest import dump

    def score(path: object) -> dict:  # scores of exactly this file (fp16 included), not of the run it came from
        return metrics_of(evaluate(path, n=count)["scores"])

    if push_url is not None:
        from ganzoo.publish import push  # lazy: keeps torch off the CLI's fast path

        pushed = push(run, tag, push_url, licence=licence, fp16=fp16, use_ema=not live,
                      evaluate=None if no_metrics else (lambda path: evaluate(path, n=count)))
        click.echo(f"pushed {', '.join(pushed['files'])} to {pushed['url']} "
                   f"({_human(pushed['size'])} weights, sha256 {pushed['sha256']}, licence {pushed['licence']})")
        click.echo(f"use it from a weights entry: urls = [\"{push_url.rstrip('/')}/{pushed['file']}\"]")
        return
    options = {"fp16": fp16, "use_ema": not live, "score": None if no_metrics else score}
    if into is not None:
        entry = export_into(run, tag, into, default=default, **options)
        click.echo(f"wrote {entry['file']} ({_human(entry['size'])}, sha256 {entry['sha256']})")
        click.echo(f"added {entry['model']}.{tag} to {entry['manifest']} (licence {entry['license']})")
        for note in entry["notes"]:
            click.secho(f"note: {note}", fg="yellow", err=True)
        click.echo(f"reinstall the plugin, then: ganzoo sample {entry['model']}.{tag} --out grid.png")
        return
    entry = export(run, tag, out, **options)
    record = {"model": entry["model"], "tag": tag, "file": out.replace("\\", "/").rsplit("/", 1)[-1],
              "sha256": entry["sha256"], "size": entry["size"], "license": "", "dataset": entry["dataset"],
              "command": entry["command"], "metrics": entry["metrics"]}
    click.echo(f"wrote {out} ({_human(entry['size'])}, sha256 {entry['sha256']})\n")
    click.echo("add it to your plugin's weights/weights.toml, with the file beside it and your plugin's licence "
               "(`--into PLUGIN_DIR` does both):\n")
    click.echo(dump([record], header=False, compact=True))
