"""``ganzoo compare RECIPE... --data D``: which GAN for my data? (ganzoo.services.compare)"""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
from pathlib import Path

import click


@click.command("compare")
@click.argument("recipes", nargs=-1, required=True)
@click.option("--data", required=True, help="Dataset name (ganzoo datasets) or folder path, the same for every row.")
@click.option("--seeds", default="0,1,2", show_default=True, help="Comma-separated seeds: one row per recipe and seed.")
@click.option("--steps", type=click.IntRange(min=1), help="Steps per row (a budget; with --minutes, whichever ends first).")
@click.option("--minutes", type=click.FloatRange(min=0, min_open=True), help="Training minutes per row (a budget).")
@click.option("--eval-every", type=click.IntRange(min=1), default=500, show_default=True,
              help="Score every row every N steps with the same evaluator (and keep its best checkpoint).")
@click.option("--eval-samples", type=click.IntRange(min=2), default=2_000, show_default=True)
@click.option("--features", default="classifier", show_default=True,
              help="The evaluator's feature network (ganzoo features); for a folder of digits, classifier:digits.")
@click.option("--eval-metrics", "metrics",
              help="Every row's metrics, as ganzoo train's (say fid,named on shapes); the best checkpoint is still "
                   "picked by FD [default: those that suit the model's task].")
@click.option("--parallel", type=click.IntRange(min=1), default=1, show_default=True,
              help="Rows trained at once, each on its share of the cores (and on the GPU running the fewest of its rows).")
@click.option("--out", type=click.Path(file_okay=False), help="The comparison's folder [default: compare/DATA].")
def compare_cmd(recipes: tuple[str, ...], data: str, seeds: str, steps: int | None, minutes: float | None,
                eval_every: int, eval_samples: int, features: str, metrics: str | None, parallel: int,
                out: str | None) -> None:
    """Train each RECIPE (MODEL, or LABEL=MODEL:key=value,key=value) on --data over several
    seeds under one budget, score all rows alike, and write results.md / results.json,
    curves.png and grids.png. Run the same command again to resume an interrupted comparison."""
    from ganzoo.services.compare import make_plan, open_folder, run_rows
    from ganzoo.services.compare_results import write_results

    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"seeds are comma-separated integers, not {seeds!r}.", param_hint="--seeds") from None
    plan = make_plan(list(recipes), data, seed_list, steps, minutes, eval_every, eval_samples, features,
                     say=lambda text: click.echo(text, err=True), metrics=metrics)
    folder = Path(out or Path("compare") / Path(str(data)).name)
    open_folder(folder, plan)
    run_rows(folder, plan, parallel, say=lambda text: click.echo(text, err=True))
    written = write_results(folder, plan)
    click.echo(f"compared {len(plan.recipes)} recipes x {len(plan.seeds)} seeds in {folder}: "
               + ", ".join(str(p) for p in written.values()))
