"""``ganzoo train``, ``ganzoo sample`` and ``ganzoo translate``."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI

import os
import sys
from pathlib import Path
from typing import Any

import click

CHOICE_PRECISION = click.Choice(["auto", "fp32", "bf16", "fp16"])
CHOICE_DEVICE = click.Choice(["auto", "cpu", "cuda", "mps"])


@click.command("train", context_settings={"show_default": True})
@click.argument("model", required=False)
@click.option("--data", help="Dataset name (ganzoo datasets) or folder path.")
@click.option("--preset", help="A named bundle of settings the model offers (ganzoo info MODEL lists them).")
@click.option("--steps", type=int, help="Training iterations (generator steps).")
@click.option("--epochs", type=float, help="Train for this many passes over the data instead of --steps.")
@click.option("--batch-size", type=int)
@click.option("--lr", type=float, help="Learning rate (the model's default otherwise).")
@click.option("--loss", help="Adversarial loss by name (ganzoo losses).")
@click.option("--image-size", type=int, help="Resize and centre-crop images.")
@click.option("--channels", type=click.Choice(["1", "3"]), help="Convert images to 1 or 3 channels.")
@click.option("--out", type=click.Path(file_okay=False), default="runs", help="Where run folders go.")
@click.option("--resume", type=click.Path(exists=True),
              help="Continue a run: its folder (from checkpoints/last.pt) or one checkpoint file, used as given.")
@click.option("--seed", type=int)
@click.option("--device", type=CHOICE_DEVICE)
@click.option("--precision", type=CHOICE_PRECISION)
@click.option("--ema/--no-ema", default=None, help="Keep an EMA of the generator for sampling.")
@click.option("--compile/--no-compile", "compile_nets", default=None,
              help="torch.compile the nets (slow first steps; see docs/training.md for when it pays).")
@click.option("--sample-every", type=int, help="Write a fixed-noise sample grid every N steps.")
@click.option("--checkpoint-every", type=int, help="Write a checkpoint every N steps.")
@click.option("--eval-every", type=int, help="Score the run every N steps (metrics.jsonl, TensorBoard; see ganzoo eval).")
@click.option("--eval-metrics", help="Metrics for --eval-every (default: those that suit the model's task).")
@click.option("--eval-samples", type=int, help="Samples per --eval-every evaluation [default: 2000].")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), help="A .toml/.yaml/.json of settings.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Override any setting (repeatable).")
@click.option("--strict-data", is_flag=True, default=None, help="Unreadable images are an error, not skipped.")
@click.option("--nproc", type=int, default=1, help="Start N processes on this machine (DistributedDataParallel); settings and data are checked once first.")
@click.option("--quiet", is_flag=True, help="No progress output.")
def train_cmd(model: str | None, data: str | None, config_file: str | None, settings: tuple[str, ...],
              resume: str | None, out: str, nproc: int, quiet: bool, channels: str | None, **flags: Any) -> None:
    """Train MODEL on --data. Defaults come from the model's spec; `ganzoo info MODEL` shows them."""
    from ganzoo.cli.launch import child_errors

    overrides = {k: v for k, v in flags.items() if v is not None}
    if "compile_nets" in overrides:
        overrides["compile"] = overrides.pop("compile_nets")
    if channels:
        overrides["channels"] = int(channels)
    if quiet:
        os.environ["GANZOO_QUIET"] = "1"  # no progress lines from data preparation either (ganzoo.data.cache)
    with child_errors():  # in a rank started by --nproc: the launcher reports a failure once
        from ganzoo.training.config import parse_set

        overrides.update(parse_set(settings))
        if nproc > 1 and "WORLD_SIZE" not in os.environ:
            sys.exit(_launch(model, data, config_file, overrides, resume, nproc, quiet))
        from ganzoo import train

        run = train(model, data, out=out, resume=resume, config_file=config_file, quiet=quiet, **overrides)
        if run.status == "interrupted":  # saved, but not finished: a script must be able to tell
            sys.exit(130)


def _launch(model: str | None, data: str | None, config_file: str | None, overrides: dict[str, Any],
            resume: str | None, nproc: int, quiet: bool) -> int:
    """Check the settings and data once here, then start ``nproc`` ranks (ganzoo.cli.launch)."""
    from ganzoo.cli.launch import launch, preflight

    preflight(model, data, config_file, overrides, resume, nproc)
    args = _without_nproc(sys.argv[1:])
    if not quiet:
        click.echo(f"starting {nproc} processes: ganzoo {' '.join(args)}", err=True)
    return launch(args, nproc)


def _without_nproc(args: list[str]) -> list[str]:
    cleaned, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--nproc":
            skip = True
            continue
        if arg.startswith("--nproc="):
            continue
        cleaned.append(arg)
    return cleaned


@click.command("sample")
@click.argument("source")
@click.option("-n", "count", default=64, show_default=True, help="How many samples.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help=".png grid, or .pt / .npy raw tensors.")
@click.option("--labels", help="Class labels for conditional models, e.g. 3,3,7 (cycled to fill n).")
@click.option("--seed", default=0, show_default=True)
@click.option("--truncation", type=float,
              help="Truncation trick: psi in W for style models (1: none, 0: the average image); "
                   "for others, re-draw z components beyond +-T.")
@click.option("--device", type=CHOICE_DEVICE, default="cpu", show_default=True)
def sample_cmd(source: str, count: int, out: str, labels: str | None, seed: int, truncation: float | None,
               device: str) -> None:
    """Draw samples from SOURCE: a run folder or a checkpoint file."""
    import numpy as np
    import torch

    from ganzoo.imaging import save_grid, save_scatter
    from ganzoo.loading import load_model, parse_labels, sample
    from ganzoo.training.device import pick_device

    loaded = load_model(source, pick_device(device))
    label_tensor = parse_labels(labels, count, loaded.data_info.num_classes)
    samples = sample(loaded, count, labels=label_tensor, seed=seed, truncation=truncation)
    path = Path(out)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pt":
        torch.save(samples, path)
    elif suffix == ".npy":
        np.save(path, samples.numpy())
    elif suffix == ".png":
        if loaded.kind == "points-2d":
            centres = loaded.data_info.extra.get("centres")
            save_scatter(samples, path, torch.tensor(centres) if centres else None)
        else:
            save_grid(samples, path, nrow=8)
    else:
        raise click.ClickException(f"--out must end in .png, .pt or .npy, not {suffix or 'nothing'}.")
    what = "points" if loaded.kind == "points-2d" else "images"
    click.echo(f"wrote {count} {what} from {loaded.meta['model']} (step {loaded.meta['step']}) to {path}")


@click.command("translate")
@click.argument("source")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True), help="An image or a folder of images.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the translated images.")
@click.option("--direction", type=click.Choice(["a2b", "b2a"]), default="a2b", show_default=True)
@click.option("--grid", "grid", is_flag=True, help="Also write grid.png: input | translation | reconstruction.")
@click.option("--device", type=CHOICE_DEVICE, default="cpu", show_default=True)
def translate_cmd(source: str, input_path: str, out: str, direction: str, grid: bool, device: str) -> None:
    """Translate images with an image-to-image model from SOURCE (run folder or checkpoint)."""
    from ganzoo.loading import load_model
    from ganzoo.training.device import pick_device
    from ganzoo.translation import translate_files

    loaded = load_model(source, pick_device(device))
    written, grid_path = translate_files(loaded, Path(input_path), Path(out), direction, grid=grid)
    click.echo(f"translated {len(written)} image(s) {direction} into {out}" + (f"; grid: {grid_path}" if grid_path else ""))
