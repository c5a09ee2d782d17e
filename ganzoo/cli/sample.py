"""``ganzoo sample``: draw from a run, a checkpoint or pretrained weights, as a grid or raw tensors."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
from pathlib import Path

import click

from ganzoo.cli.choices import CHOICE_DEVICE


@click.command("sample")
@click.argument("source")
@click.option("-n", "count", type=click.IntRange(min=1),
              help="How many samples [default: 64; with --per-label or --per-code: values x K].")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help=".png grid, or .pt / .npy raw tensors.")
@click.option("--labels", help="Class labels for conditional models, e.g. 3,3,7 (cycled to fill n).")
@click.option("--per-label", type=click.IntRange(min=1), metavar="K",
              help="Conditional models: K samples of each of --labels (default: every class), one row per label.")
@click.option("--code", help="Models with a categorical code in the latent (DCGAN's InfoGAN code): "
                             "the code of each sample, e.g. 3 or 0,4 (cycled to fill n).")
@click.option("--per-code", type=click.IntRange(min=1), metavar="K",
              help="Models with a code: K samples of each of --code (default: every code), one row per code.")
@click.option("--nrow", type=click.IntRange(min=1), metavar="K",
              help="Images per row of a .png grid [default: one row per class for labels in runs of one "
                   "length, as --per-label gives, one per code with --per-code; else a square-ish grid, 8 for 64].")
@click.option("--seed", default=0, show_default=True)
@click.option("--truncation", type=float,
              help="Truncation trick: psi in W for style models (1: none, 0: the average image); "
                   "for others, re-draw z components beyond +-T.")
@click.option("--device", type=CHOICE_DEVICE, default="cpu", show_default=True)
def sample_cmd(source: str, count: int | None, out: str, labels: str | None, per_label: int | None, code: str | None,
               per_code: int | None, nrow: int | None, seed: int, truncation: float | None, device: str) -> None:
    """Draw samples from SOURCE: a run folder, a checkpoint file (RUN/checkpoints/best.pt), or pretrained weights by name (dcgan.shapes)."""
    import numpy as np
    import torch

    from ganzoo.artifacts.loading import conditional_classes, draw, grid_columns, load_model, plan
    from ganzoo.artifacts.picks import CODES, LABELS, parse_numbers
    from ganzoo.io.imaging import save_samples
    from ganzoo.training.device import pick_device

    if per_label is not None and per_code is not None:
        raise click.UsageError("give --per-label or --per-code, not both.")
    loaded = load_model(source, pick_device(device))
    picks = plan(loaded, count or 64, parse_numbers(labels, LABELS), per_label, parse_numbers(code, CODES), per_code)
    per = per_label if per_label is not None else per_code
    if per is not None and count is not None and count != picks.n:
        option, what = ("--per-label", "labels") if per_label is not None else ("--per-code", "codes")
        raise click.UsageError(f"-n {count} does not match {option} {per} x {picks.n // per} {what}; leave out -n.")
    count = picks.n
    samples = draw(loaded, picks, seed, truncation)
    path = Path(out)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pt":
        torch.save(samples, path)
    elif suffix == ".npy":
        np.save(path, samples.numpy())
    elif suffix == ".png":
        save_samples(samples, path, loaded.data_info,
                     nrow or grid_columns(picks.rows, count, conditional_classes(loaded)))
    else:
        raise click.ClickException(f"--out must end in .png, .pt or .npy, not {suffix or 'nothing'}.")
    what = "points" if loaded.kind == "points-2d" else "images"
    click.echo(f"wrote {count} {what} from {loaded.meta['model']} (step {loaded.meta['step']}) to {path}")
