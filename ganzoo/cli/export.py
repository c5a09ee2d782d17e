"""``ganzoo export``: a run's weights as a verified safetensors file with a manifest entry."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import click

from ganzoo.cli.output import human_size


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
    from ganzoo.manifest import dump
    from ganzoo.services.evaluation import evaluate  # lazy: keeps torch off the CLI's fast path (and off usage errors)
    from ganzoo.services.export import export, export_into, metrics_of

    def score(path: object) -> dict:  # scores of exactly this file (fp16 included), not of the run it came from
        return metrics_of(evaluate(path, n=count)["scores"])

    if push_url is not None:
        from ganzoo.services.publish import push  # lazy: keeps torch off the CLI's fast path

        pushed = push(run, tag, push_url, licence=licence, fp16=fp16, use_ema=not live,
                      evaluate=None if no_metrics else (lambda path: evaluate(path, n=count)))
        click.echo(f"pushed {', '.join(pushed['files'])} to {pushed['url']} "
                   f"({human_size(pushed['size'])} weights, sha256 {pushed['sha256']}, licence {pushed['licence']})")
        click.echo(f"use it from a weights entry: urls = [\"{push_url.rstrip('/')}/{pushed['file']}\"]")
        return
    options = {"fp16": fp16, "use_ema": not live, "score": None if no_metrics else score}
    if into is not None:
        entry = export_into(run, tag, into, default=default, **options)
        click.echo(f"wrote {entry['file']} ({human_size(entry['size'])}, sha256 {entry['sha256']})")
        click.echo(f"added {entry['model']}.{tag} to {entry['manifest']} (licence {entry['license']})")
        for note in entry["notes"]:
            click.secho(f"note: {note}", fg="yellow", err=True)
        click.echo(f"reinstall the plugin, then: ganzoo sample {entry['model']}.{tag} --out grid.png")
        return
    entry = export(run, tag, out, **options)
    record = {"model": entry["model"], "tag": tag, "file": out.replace("\\", "/").rsplit("/", 1)[-1],
              "sha256": entry["sha256"], "size": entry["size"], "license": "", "dataset": entry["dataset"],
              "command": entry["command"], "metrics": entry["metrics"]}
    click.echo(f"wrote {out} ({human_size(entry['size'])}, sha256 {entry['sha256']})\n")
    click.echo("add it to your plugin's weights/weights.toml, with the file beside it and your plugin's licence "
               "(`--into PLUGIN_DIR` does both):\n")
    click.echo(dump([record], header=False, compact=True))
