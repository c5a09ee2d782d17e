"""Catalogue commands: what is installed. None of these import torch."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import click

from ganzoo.cli.output import echo_json, echo_table
from ganzoo.errors import GanzooError
from ganzoo.registry import as_dict, split_tag


def _host(quiet: bool = False):  # noqa: ANN202 - imported lazily: `--help` loads no plugins
    """The plugin host; ``quiet`` skips the broken-plugin warnings a command reports itself."""
    import warnings

    from ganzoo.host import PluginWarning, get_host

    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", PluginWarning)
        return get_host()


@click.command("list")
@click.argument("pattern", required=False)
@click.option("--task", help="Only models of this task (unconditional, conditional, image-to-image, points-2d).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--wide", is_flag=True, help="Never cut the last column to the terminal width (piped output never is).")
def list_cmd(pattern: str | None, task: str | None, as_json: bool, wide: bool) -> None:
    """List models from every installed plugin (PATTERN: fnmatch, e.g. '*gan*')."""
    registry = _host().registry
    models = registry.list_models(pattern, task)
    if task and not models and task not in (tasks := sorted({m.task for m in registry.list_models()})):
        raise GanzooError(f"no installed model has task {task!r}; the tasks are {', '.join(tasks)}.")
    if as_json:
        echo_json(
            [as_dict(m) | {"pretrained": [w.tag for w in registry.weights_for(m)]} for m in models]
        )
        return
    if not models:
        what = f" matching {pattern!r}" if pattern else ""
        what += f" with task {task!r}" if task else ""
        click.echo(f"No models{what}. Install a plugin (pip install ganzoo-<name>) or see `ganzoo plugins`.")
        return
    rows = []
    for m in models:
        tags = [w.tag + ("*" if w.default else "") for w in registry.weights_for(m)]
        rows.append((m.name, m.task, m.plugin, ",".join(tags) or "-", m.summary))
    echo_table(("NAME", "TASK", "PLUGIN", "PRETRAINED", "SUMMARY"), rows, wide)


@click.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info_cmd(name: str, as_json: bool) -> None:
    """Describe a model: paper, task, data kinds, defaults and pretrained weights."""
    registry = _host().registry
    spec = registry.get_model(name)
    if split_tag(name)[1] is not None:
        registry.get_weights(name)  # a tag names pretrained weights: one that does not exist is an error
    weights = registry.weights_for(spec)
    if as_json:
        echo_json(as_dict(spec) | {"weights": [as_dict(w) for w in weights]})
        return
    click.secho(f"{spec.name}  ({spec.qualified_name})", bold=True)
    click.echo(spec.summary)
    click.echo(f"task:       {spec.task}")
    click.echo(f"data kinds: {', '.join(spec.data_kinds) or '-'}")
    if spec.paper:
        click.echo(f"paper:      {spec.paper.cite()}")
    click.echo(f"builder:    {spec.builder}")
    click.echo("defaults:" + ("" if spec.defaults else " -"))
    for key, value in spec.defaults.items():
        click.echo(f"  {key} = {value!r}")
    for preset, settings in spec.presets.items():
        click.echo(f"preset {preset} (--preset {preset}): " + ", ".join(f"{k}={v!r}" for k, v in settings.items()))
    click.echo("pretrained:" + ("" if weights else " none"))
    for w in weights:
        default = " (default)" if w.default else ""
        click.echo(f"  {w.name}{default}: trained on {w.dataset or '?'}, {w.size:,} bytes, {w.license or 'licence ?'}")
        for metric, value in w.metrics.items():
            click.echo(f"      {metric} = {value}")


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_cmd(as_json: bool) -> None:
    """List plugins: version, hooks, what they registered, and ok/error/disabled."""
    plugins = _host(quiet=True).plugins
    if as_json:
        echo_json([p.as_dict() for p in plugins])
        return
    rows = []
    for group in _one_row_per_distribution(plugins):
        p = group[0]
        registered: dict[str, int] = {}
        for member in group:
            for kind, names in member.registered.items():
                registered[kind] = registered.get(kind, 0) + len(names)
        counts = ", ".join(f"{n} {k}" for k, n in registered.items() if k != "model")
        status = next((m.status for m in group if m.status == "error"), p.status)
        models = [name for m in group for name in m.models]
        rows.append((p.name, p.version, p.source, status, sum(len(m.hooks) for m in group), ", ".join(models) or "-",
                     counts or "-"))
    echo_table(("PLUGIN", "VERSION", "SOURCE", "STATUS", "HOOKS", "MODELS", "ALSO REGISTERS"), rows)
    for p in plugins:
        if p.status == "error":
            click.secho(f"{p.name} ({p.module}): {p.error}", fg="red", err=True)
    click.echo("\nDetails (every hook and spec): ganzoo plugins --json")


def _one_row_per_distribution(plugins: list) -> list[list]:
    """The core registers its built-ins from several modules, each a PluginInfo of the same
    distribution; the table shows them as one row (``--json`` keeps every module)."""
    groups: dict[tuple[str, str], list] = {}
    for p in plugins:
        key = (p.name, p.source) if p.source == "builtin" else (p.name, p.module)
        groups.setdefault(key, []).append(p)
    return list(groups.values())


@click.command("datasets")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--wide", is_flag=True, help="Never cut the last column to the terminal width (piped output never is).")
def datasets_cmd(as_json: bool, wide: bool) -> None:
    """List registered datasets: name, kind, size, source, available offline."""
    datasets = list(_host().registry.datasets)
    if as_json:
        echo_json([as_dict(d) for d in datasets])
        return
    rows = [
        (d.name, d.kind_of_data, f"{d.size:,}" if d.size else "-", d.source or d.plugin, "yes" if d.offline else "no", d.summary)
        for d in datasets
    ]
    echo_table(("NAME", "KIND", "SIZE", "SOURCE", "OFFLINE", "SUMMARY"), rows, wide)
    click.echo("\nOr pass a folder: --data ./images (flat or class sub-folders) or ./horses2zebras (trainA/, trainB/).")


@click.command("losses")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--wide", is_flag=True, help="Never cut the last column to the terminal width (piped output never is).")
def losses_cmd(as_json: bool, wide: bool) -> None:
    """List registered adversarial losses (select one with --loss)."""
    losses = list(_host().registry.losses)
    if as_json:
        echo_json([as_dict(loss) for loss in losses])
        return
    rows = [(x.name, x.plugin, x.paper.cite() if x.paper else "-", x.summary) for x in losses]
    echo_table(("NAME", "PLUGIN", "PAPER", "SUMMARY"), rows, wide)


@click.command("features")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--wide", is_flag=True, help="Never cut the last column to the terminal width (piped output never is).")
def features_cmd(as_json: bool, wide: bool) -> None:
    """List feature extractors for FID-style scores (select one with `ganzoo eval --features`)."""
    specs = list(_host().registry.features)
    if as_json:
        echo_json([as_dict(f) for f in specs])
        return
    rows = [(f.name + f.argument, f.plugin, "yes" if f.offline else "needs weights",
             f.summary) for f in specs]
    echo_table(("NAME", "PLUGIN", "OFFLINE", "SUMMARY"), rows, wide)
