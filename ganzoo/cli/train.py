"""``ganzoo train``, ``ganzoo sample`` and ``ganzoo translate``."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI

import os
import sys
from pathlib import Path
from typing import Any

import click

from ganzoo.cli.command_line import RecordingCommand, command_line, handed_down
from ganzoo.cli.rendezvous import Nodes, parse

CHOICE_PRECISION = click.Choice(["auto", "fp32", "bf16", "fp16"])
CHOICE_DEVICE = click.Choice(["auto", "cpu", "cuda", "mps"])


@click.command("train", cls=RecordingCommand, context_settings={"show_default": True})
@click.argument("model", required=False)
@click.option("--data", help="Dataset name (ganzoo datasets) or folder path.")
@click.option("--preset", help="A named bundle of settings the model offers (ganzoo info MODEL lists them).")
@click.option("--steps", type=int, help="Training iterations (generator steps).")
@click.option("--epochs", type=float, help="Train for this many passes over the data instead of --steps.")
@click.option("--minutes", type=click.FloatRange(min=0, min_open=True),
              help="A wall-clock budget: stop after this many minutes of training (checkpointed; --steps still caps "
                   "the run and plans its lr schedule). Resume it to train longer.")
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
@click.option("--augment", type=click.Choice(["none", "diffaugment", "ada"]),
              help="Differentiable augmentation of every image D sees, real and fake (image models; helps "
                   "with little data): diffaugment always, ada with a p tuned to D's overfitting "
                   "(--set augment_policy=color,translation,cutout, ada_target=0.6; docs/training.md).")
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
@click.option("--nproc", type=click.IntRange(min=1), default=1, help="Start N processes on this machine (DistributedDataParallel); settings and data are checked once first.")
@click.option("--nnodes", type=click.IntRange(min=1), default=1, help="Machines in the job (torchrun's name); run the same command on each with its --node-rank (docs/scaling.md).")
@click.option("--node-rank", type=int, help="This machine's number in the job, 0 to N-1 (node 0 writes the run folder).")
@click.option("--rdzv", metavar="HOST:PORT", help="Node 0's address and a free port, where the machines meet (torchrun's rendezvous).")
@click.option("--quiet", is_flag=True, help="No progress output.")
def train_cmd(model: str | None, data: str | None, config_file: str | None, settings: tuple[str, ...],
              resume: str | None, out: str, nproc: int, nnodes: int, node_rank: int | None, rdzv: str | None,
              quiet: bool, channels: str | None, **flags: Any) -> None:
    """Train MODEL on --data. Defaults come from the model's spec; `ganzoo info MODEL` shows them."""
    from ganzoo.cli.launch import child_errors

    # usage errors first, before anything loads; under torchrun (WORLD_SIZE set) the node flags are ignored
    if model is None and resume is None:
        raise click.UsageError("name a model to train (`ganzoo list` shows them), or --resume a run folder.")
    nodes = Nodes() if "WORLD_SIZE" in os.environ else parse(nnodes, node_rank, rdzv)
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
        if "data" in overrides:
            raise click.UsageError("data is not a setting: name what to train on with --data NAME_OR_PATH.")
        command = command_line(click.get_current_context())  # for run.json
        if (nproc > 1 or nodes.count > 1) and "WORLD_SIZE" not in os.environ:  # else: a rank, or one process
            with handed_down(command):  # the ranks record the command typed, --nproc included
                code = _launch(model, data, config_file, overrides, resume, nproc, nodes, quiet)
            sys.exit(code)
        from ganzoo import train
        from ganzoo.report import write_report
        from ganzoo.training.run_record import RunRecord

        run = train(model, data, out=out, resume=resume, config_file=config_file, quiet=quiet,
                    record=RunRecord(command, reporter=write_report), **overrides)
        if run.status == "interrupted":  # saved, but not finished: a script must be able to tell
            sys.exit(130)


def _launch(model: str | None, data: str | None, config_file: str | None, overrides: dict[str, Any],
            resume: str | None, nproc: int, nodes: Nodes, quiet: bool) -> int:
    """Check the settings and data once here (on each machine), then start this machine's
    ``nproc`` ranks (ganzoo.cli.launch)."""
    from ganzoo.cli.launch import check_rdzv_port, launch, preflight

    check_rdzv_port(nodes)  # before the data loads: a busy port is found at once
    world = nodes.world_size(nproc)
    preflight(model, data, config_file, overrides, resume, world)
    args = _without_launch_flags(sys.argv[1:])
    if not quiet:
        first = nodes.first_rank(nproc)
        where = "" if nodes.count == 1 else \
            f" (ranks {first}-{first + nproc - 1} of {world}, node {nodes.rank} of {nodes.count}, {nodes.host}:{nodes.port})"
        click.echo(f"starting {nproc} process{'es' if nproc != 1 else ''}{where}: ganzoo {' '.join(args)}", err=True)
    return launch(args, nproc, nodes)


#: the launcher's own flags, which the ranks it starts must not see
LAUNCH_FLAGS = ("--nproc", "--nnodes", "--node-rank", "--rdzv")


def _without_launch_flags(args: list[str]) -> list[str]:
    cleaned, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in LAUNCH_FLAGS:
            skip = True
            continue
        if arg.startswith(tuple(f"{flag}=" for flag in LAUNCH_FLAGS)):
            continue
        cleaned.append(arg)
    return cleaned


@click.command("sample")
@click.argument("source")
@click.option("-n", "count", type=click.IntRange(min=1), help="How many samples [default: 64; with --per-label: labels x K].")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help=".png grid, or .pt / .npy raw tensors.")
@click.option("--labels", help="Class labels for conditional models, e.g. 3,3,7 (cycled to fill n).")
@click.option("--per-label", type=click.IntRange(min=1), metavar="K",
              help="Conditional models: K samples of each of --labels (default: every class), one row per label.")
@click.option("--nrow", type=click.IntRange(min=1), metavar="K",
              help="Images per row of a .png grid [default: one row per class for labels in runs of one "
                   "length, as --per-label gives; else a square-ish grid, 8 for 64].")
@click.option("--seed", default=0, show_default=True)
@click.option("--truncation", type=float,
              help="Truncation trick: psi in W for style models (1: none, 0: the average image); "
                   "for others, re-draw z components beyond +-T.")
@click.option("--device", type=CHOICE_DEVICE, default="cpu", show_default=True)
def sample_cmd(source: str, count: int | None, out: str, labels: str | None, per_label: int | None,
               nrow: int | None, seed: int, truncation: float | None, device: str) -> None:
    """Draw samples from SOURCE: a run folder, a checkpoint file (RUN/checkpoints/best.pt), or pretrained weights by name (dcgan.shapes)."""
    import numpy as np
    import torch

    from ganzoo.imaging import save_samples
    from ganzoo.loading import conditional_classes, grid_columns, load_model, parse_labels, sample
    from ganzoo.training.device import pick_device

    loaded = load_model(source, pick_device(device))
    classes = conditional_classes(loaded)  # 0 for an unconditional model, even on labelled data
    label_tensor = parse_labels(labels, count or 64, classes, per_label)
    if per_label is not None:
        if count is not None and count != len(label_tensor):
            raise click.UsageError(f"-n {count} does not match --per-label {per_label} x {len(label_tensor) // per_label} "
                                   "labels; leave out -n.")
        count = len(label_tensor)
    count = count or 64
    samples = sample(loaded, count, labels=label_tensor, seed=seed, truncation=truncation)
    path = Path(out)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pt":
        torch.save(samples, path)
    elif suffix == ".npy":
        np.save(path, samples.numpy())
    elif suffix == ".png":
        save_samples(samples, path, loaded.data_info,
                     nrow or grid_columns(label_tensor, count, classes))
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
    """Translate images with an image-to-image model from SOURCE (a run folder, a checkpoint file, or pretrained weights by name: cyclegan.sketches2photos)."""
    from ganzoo.loading import load_model
    from ganzoo.training.device import pick_device
    from ganzoo.translation import translate_files

    loaded = load_model(source, pick_device(device))
    written, grid_path = translate_files(loaded, Path(input_path), Path(out), direction, grid=grid)
    click.echo(f"translated {len(written)} image(s) {direction} into {out}" + (f"; grid: {grid_path}" if grid_path else ""))
