"""``ganzoo translate``: image-to-image translation of files with a trained model."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
from pathlib import Path

import click

from ganzoo.cli.choices import CHOICE_DEVICE


@click.command("translate")
@click.argument("source")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True), help="An image or a folder of images.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the translated images.")
@click.option("--direction", type=click.Choice(["a2b", "b2a"]), default="a2b", show_default=True)
@click.option("--grid", "grid", is_flag=True, help="Also write grid.png: input | translation | reconstruction.")
@click.option("--device", type=CHOICE_DEVICE, default="cpu", show_default=True)
def translate_cmd(source: str, input_path: str, out: str, direction: str, grid: bool, device: str) -> None:
    """Translate images with an image-to-image model from SOURCE (a run folder, a checkpoint file, or pretrained weights by name: cyclegan.sketches2photos)."""
    from ganzoo.artifacts.loading import load_model
    from ganzoo.services.translation import translate_files
    from ganzoo.training.device import pick_device

    loaded = load_model(source, pick_device(device))
    written, grid_path = translate_files(loaded, Path(input_path), Path(out), direction, grid=grid)
    click.echo(f"translated {len(written)} image(s) {direction} into {out}" + (f"; grid: {grid_path}" if grid_path else ""))
