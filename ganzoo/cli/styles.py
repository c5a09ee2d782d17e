"""``ganzoo mix`` and ``ganzoo interpolate``: the style-mixing figure and latent walks."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
from pathlib import Path

import click

from ganzoo.cli.choices import CHOICE_DEVICE


@click.command("mix", context_settings={"show_default": True})
@click.argument("source")
@click.option("--rows", default=4, help="Row sources: each gives its row's coarse styles.")
@click.option("--cols", default=6, help="Column sources: each gives its column's fine styles.")
@click.option("--crossover", type=int, help="First layer styled by the column source [default: half the layers].")
@click.option("--seed", default=0)
@click.option("--truncation", type=float, help="psi in W for all sources (1: none, 0: the average image).")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .png figure to write.")
@click.option("--device", type=CHOICE_DEVICE, default="cpu")
def mix_cmd(source: str, rows: int, cols: int, crossover: int | None, seed: int, truncation: float | None,
            out: str, device: str) -> None:
    """Style mixing from a style model's SOURCE (run, checkpoint or pretrained name): the top
    row and left column are the sources; each cell has its row's coarse and its column's fine styles."""
    from ganzoo.artifacts.loading import load_model
    from ganzoo.io.imaging import save_grid
    from ganzoo.services.styles import mix
    from ganzoo.training.device import pick_device

    _check_suffix(out, ".png")
    result = mix(load_model(source, pick_device(device)), rows, cols, crossover, seed, truncation)
    images, nrow = result.figure()
    save_grid(images, out, nrow=nrow)
    click.echo(f"wrote a {rows} x {cols} style-mixing figure (coarse layers 0-{result.crossover - 1} from the rows, "
               f"the rest from the columns) to {out}")


@click.command("interpolate", context_settings={"show_default": True})
@click.argument("source")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The .gif to write.")
@click.option("--frames", default=60, help="Frames in the loop.")
@click.option("-n", "count", default=4, help="Walks side by side.")
@click.option("--keys", default=4, help="Random latents each walk passes through before returning to its first.")
@click.option("--seed", default=0)
@click.option("--truncation", type=float, help="psi in W for style models; re-drawn z components beyond +-T for others.")
@click.option("--fps", default=20, help="Frames per second.")
@click.option("--device", type=CHOICE_DEVICE, default="cpu")
def interpolate_cmd(source: str, out: str, frames: int, count: int, keys: int, seed: int, truncation: float | None,
                    fps: int, device: str) -> None:
    """A looping GIF walk through an image model's latent space (lerp in W for style
    models, slerp in z for the others) from SOURCE (run, checkpoint or pretrained name)."""
    from ganzoo.artifacts.loading import load_model
    from ganzoo.services.styles import has_styles, interpolate, write_gif
    from ganzoo.training.device import pick_device

    _check_suffix(out, ".gif")
    if fps < 1:
        raise click.BadParameter(f"must be at least 1, got {fps}", param_hint="--fps")
    loaded = load_model(source, pick_device(device))
    walk = interpolate(loaded, frames, count, keys, seed, truncation)
    write_gif(walk, out, fps)
    space = "W (lerp)" if has_styles(loaded) else "z (slerp)"
    click.echo(f"wrote {frames} frames of {count} walk(s) in {space} to {out}")


def _check_suffix(out: str, suffix: str) -> None:
    if Path(out).suffix.lower() != suffix:
        raise click.BadParameter(f"must end in {suffix}, got {out!r}", param_hint="--out")
