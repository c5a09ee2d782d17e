"""``ganzoo data preview`` and ``ganzoo data check``: look at data before training on it."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import click


@click.group("data")
def data_group() -> None:
    """Preview and check datasets (registered names or folders)."""


@data_group.command("preview")
@click.argument("data")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="PNG file to write.")
@click.option("-n", "count", default=64, show_default=True, help="How many samples.")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True)
@click.option("--image-size", type=int, help="Resize and centre-crop images to this size.")
@click.option("--channels", type=click.Choice(["1", "3"]), help="Convert images to 1 or 3 channels.")
@click.option("--seed", default=0, show_default=True)
def preview_cmd(data: str, out: str, count: int, split: str, image_size: int | None, channels: str | None, seed: int) -> None:
    """Write a grid of real samples of DATA (rows per class; A rows then B rows)."""
    from ganzoo.data import load
    from ganzoo.data.preview import preview

    dataset = load(data, seed=seed, image_size=image_size, channels=int(channels) if channels else None)
    path = preview(dataset, out, count=count, split=split, seed=seed)
    click.echo(f"{dataset.describe()}\nwrote {path}")


@data_group.command("check")
@click.argument("path", type=click.Path())
def check_cmd(path: str) -> None:
    """Report what a folder holds: counts per class or domain, sizes, problems (Pillow only: no torch)."""
    from ganzoo.folder_scan import scan

    found = scan(path)
    click.echo(f"folder: {found.root}  (layout: {found.layout})")
    label = {"flat": "images", "classes": "class", "unpaired": "domain"}[found.layout]
    click.echo(f"usable images: {found.count}")
    if found.layout != "flat":
        for group, files in found.groups.items():
            click.echo(f"  {label} {group}: {len(files)}")
    sizes = ", ".join(f"{w}x{h} ({n})" for (w, h), n in found.sizes.most_common(5))
    more = f", and {len(found.sizes) - 5} other sizes" if len(found.sizes) > 5 else ""
    click.echo(f"sizes: {sizes or '-'}{more}")
    click.echo(f"modes: {', '.join(f'{m} ({n})' for m, n in found.modes.most_common()) or '-'}")
    problems = found.problems()
    click.echo("problems: " + ("none" if not problems else f"{len(problems)}"))
    for problem in problems:
        click.echo(f"  {problem}")
    if found.count == 0:
        raise click.ClickException(f"{found.root} has no readable images.")
