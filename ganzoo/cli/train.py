"""``ganzoo train``: plan a run once, then train it in this process or in ``--nproc`` ranks."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import os
import sys
from typing import Any

import click

from ganzoo.cli.choices import CHOICE_DEVICE, CHOICE_PRECISION
from ganzoo.cli.command_line import RecordingCommand, command_line, handed_down
from ganzoo.cli.rendezvous import Nodes, parse


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
@click.option("--set", "set_pairs", multiple=True, metavar="KEY=VALUE", help="Override any setting (repeatable).")
@click.option("--strict-data", is_flag=True, default=None, help="Unreadable images are an error, not skipped.")
@click.option("--nproc", type=click.IntRange(min=1), default=1, help="Start N processes on this machine (DistributedDataParallel); settings and data are checked once first.")
@click.option("--nnodes", type=click.IntRange(min=1), default=1, help="Machines in the job (torchrun's name); run the same command on each with its --node-rank (docs/scaling.md).")
@click.option("--node-rank", type=int, help="This machine's number in the job, 0 to N-1 (node 0 writes the run folder).")
@click.option("--rdzv", metavar="HOST:PORT", help="Node 0's address and a free port, where the machines meet (torchrun's rendezvous).")
@click.option("--quiet", is_flag=True, help="No progress output.")
def train_cmd(model: str | None, data: str | None, config_file: str | None, set_pairs: tuple[str, ...],
              resume: str | None, out: str, nproc: int, nnodes: int, node_rank: int | None, rdzv: str | None,
              quiet: bool, channels: str | None, **flags: Any) -> None:
    """Train MODEL on --data. Defaults come from the model's spec; `ganzoo info MODEL` shows them."""
    from ganzoo.cli.launch import check_rdzv_port, child_errors

    # usage errors first, before anything loads; under torchrun (WORLD_SIZE set) the node flags are ignored
    if model is None and resume is None:
        raise click.UsageError("name a model to train (`ganzoo list` shows them), or --resume a run folder.")
    nodes = Nodes() if "WORLD_SIZE" in os.environ else parse(nnodes, node_rank, rdzv)
    settings = {k: v for k, v in flags.items() if v is not None}  # the flags that were given, as settings
    if "compile_nets" in settings:
        settings["compile"] = settings.pop("compile_nets")
    if channels:
        settings["channels"] = int(channels)
    if quiet:
        os.environ["GANZOO_QUIET"] = "1"  # no progress lines from data preparation either (ganzoo.data.cache)
    with child_errors():  # in a rank started by --nproc: the launcher reports a failure once
        import ganzoo
        from ganzoo.training.config import parse_set
        from ganzoo.training.plan import handed_plan

        settings.update(parse_set(set_pairs))
        if "data" in settings:
            raise click.UsageError("data is not a setting: name what to train on with --data NAME_OR_PATH.")
        command = command_line(click.get_current_context())  # for run.json
        launcher = (nproc > 1 or nodes.count > 1) and "WORLD_SIZE" not in os.environ  # else: a rank, or one process
        if launcher:
            check_rdzv_port(nodes)  # before anything loads: a busy port is found at once
        plan = handed_plan(ganzoo.get_registry()) or ganzoo.plan(
            model, data, out=out, resume=resume, config_file=config_file,
            **settings, **({"world_size": nodes.world_size(nproc)} if launcher else {}))
        if launcher:
            with handed_down(command):  # the ranks record the command typed, --nproc included
                code = _launch(plan, nproc, nodes, quiet)
            sys.exit(code)
        from ganzoo.services.report import write_report
        from ganzoo.training.run_record import RunRecord

        run = ganzoo.train(plan, quiet=quiet, record=RunRecord(command, reporter=write_report))
        if run.status == "interrupted":  # saved, but not finished: a script must be able to tell
            sys.exit(130)


def _launch(plan: Any, nproc: int, nodes: Nodes, quiet: bool) -> int:
    """Start this machine's ``nproc`` ranks of ``plan`` (ganzoo.cli.launch); each rank reads
    the plan resolved here instead of resolving the command line again."""
    from ganzoo.cli.launch import launch

    args = _without_launch_flags(sys.argv[1:])
    if not quiet:
        world, first = nodes.world_size(nproc), nodes.first_rank(nproc)
        where = "" if nodes.count == 1 else \
            f" (ranks {first}-{first + nproc - 1} of {world}, node {nodes.rank} of {nodes.count}, {nodes.host}:{nodes.port})"
        click.echo(f"starting {nproc} process{'es' if nproc != 1 else ''}{where}: ganzoo {' '.join(args)}", err=True)
    return launch(args, nproc, nodes, plan)


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
