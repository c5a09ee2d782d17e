"""What ``ganzoo compare`` writes once its rows are trained: one table (``results.md`` and
``results.json``), the curves (``curves.png``: score against training minutes and against
steps) and the samples side by side (``grids.png``). Everything is read back from the row
folders, so the results can be written again at any time from a finished comparison."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import torch
from PIL import Image, ImageDraw

from ganzoo.artifacts.loading import load_model, sample
from ganzoo.files import atomic_write
from ganzoo.io.imaging import grid_image
from ganzoo.services.compare import Plan, curve, elapsed, metric_rows, row_folder, run_dir
from ganzoo.training import best

GRID_SAMPLES, GRID_SEED = 36, 0


def summarise(out: Path, plan: Plan) -> dict[str, Any]:
    """Per row: steps, minutes, curve, last and best score; per recipe: medians over seeds."""
    rows, recipes = [], []
    for recipe in plan.recipes:
        mine = []
        for seed in plan.seeds:
            run = run_dir(row_folder(out, recipe, seed))
            if run is None:
                continue
            logged = metric_rows(run)
            points, times = curve(logged), elapsed(logged)
            record = best.read(run / "checkpoints") or {}
            row = {"recipe": recipe.label, "seed": seed, "run": str(run), "steps": times[-1][0] if times else 0,
                   "minutes": times[-1][1] / 60 if times else 0.0, "curve": points,
                   "last": points[-1]["score"] if points else None, "metric": record.get("metric"),
                   "best": record.get("value"), "best_step": record.get("step")}
            at_best = next((p["scores"] for p in points if p["step"] == row["best_step"]), {})
            row["at_best"] = {k: v for k, v in at_best.items() if side_figure(k)}
            rows.append(row)
            mine.append(row)

        def median(key: str, rows: list[dict[str, Any]] = mine) -> float | None:
            values = [r[key] for r in rows if r[key] is not None]
            return statistics.median(values) if values else None

        side = sorted({k for r in mine for k in r["at_best"]})
        recipes.append({"recipe": recipe.label, "model": recipe.model, "settings": recipe.settings, "seeds": len(mine),
                        "metric": next((r["metric"] for r in mine if r["metric"]), None), "last": median("last"),
                        "best": median("best"), "steps": median("steps"), "minutes": median("minutes"),
                        "at_best": {k: statistics.median(r["at_best"][k] for r in mine if k in r["at_best"])
                                    for k in side}})
    return {"plan": plan.as_dict(), "recipes": recipes, "rows": rows}


def side_figure(name: str) -> bool:
    """Whether an evaluation figure is shown beside the headline (FD, or modes and high quality,
    which the headline already is): the figures asked for with --eval-metrics, such as named."""
    return not (name.startswith("fid") or name.endswith("_std") or name in ("modes_covered", "modes_total",
                                                                          "high_quality"))


def markdown(summary: dict[str, Any]) -> str:
    plan = summary["plan"]
    budget = " and ".join(x for x in (f"{plan['steps']} steps" if plan["steps"] else "",
                                      f"{plan['minutes']:g} minutes" if plan["minutes"] else "") if x)
    metric = next((r["metric"] for r in summary["recipes"] if r["metric"]), "score")
    lines = [f"# {plan['data']}: {len(summary['recipes'])} recipes x {len(plan['seeds'])} seeds, {budget} each",
             "", f"Median over seeds; {metric} every {plan['eval_every']} steps on {plan['eval_samples']} samples "
             f"({'higher' if metric.startswith('modes') else 'lower'} is better).", ""]
    side = sorted({k for r in summary["recipes"] for k in r.get("at_best", {})})
    if side:
        lines += [f"At the best checkpoint also: {', '.join(side)} (median over seeds).", ""]
    lines += ["| recipe | model | settings | last | best | " + "".join(f"{k} | " for k in side) + "steps | minutes |",
              "| --- " * (6 + len(side)) + "| --- |"]

    def fmt(x: Any, digits: str = ".4g") -> str:
        return "–" if x is None else format(x, digits)

    for r in summary["recipes"]:
        settings = ", ".join(f"{k}={v}" for k, v in r["settings"].items()) or "defaults"
        lines.append(f"| {r['recipe']} | {r['model']} | {settings} | {fmt(r['last'])} | {fmt(r['best'])} | "
                     + "".join(f"{fmt(r.get('at_best', {}).get(k))} | " for k in side)
                     + f"{fmt(r['steps'], '.0f')} | {fmt(r['minutes'], '.1f')} |")
    lines += ["", "| recipe | seed | last | best (step) | steps | minutes |", "| --- | --- | --- | --- | --- | --- |"]
    for r in summary["rows"]:
        lines.append(f"| {r['recipe']} | {r['seed']} | {fmt(r['last'])} | {fmt(r['best'])} ({r['best_step']}) | "
                     f"{r['steps']} | {r['minutes']:.1f} |")
    return "\n".join(lines) + "\n"


def plot_curves(summary: dict[str, Any], path: Path) -> Path:
    import matplotlib  # lazy: a plotting backend, only when a comparison is written

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: as matplotlib

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    colours = {r["recipe"]: f"C{i}" for i, r in enumerate(summary["recipes"])}
    for row in summary["rows"]:
        xs = [p["minutes"] for p in row["curve"]], [p["step"] for p in row["curve"]]
        ys = [p["score"] for p in row["curve"]]
        for ax, x in zip(axes, xs):
            ax.plot(x, ys, color=colours[row["recipe"]], alpha=0.8,
                    label=row["recipe"] if row["seed"] == summary["plan"]["seeds"][0] else None)
    metric = next((r["metric"] for r in summary["recipes"] if r["metric"]), "score")
    for ax, xlabel in zip(axes, ("training minutes", "steps")):
        ax.set_xlabel(xlabel)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def grids(summary: dict[str, Any], path: Path) -> Path | None:
    """Each recipe's samples from its first seed's best checkpoint (else its last), side by side
    under the recipe's label. Image models only; a points comparison has its scatter plots in
    each run's samples/."""
    panels = []
    for recipe in summary["recipes"]:
        row = next((r for r in summary["rows"] if r["recipe"] == recipe["recipe"]), None)
        if row is None:
            continue
        folder = Path(row["run"]) / "checkpoints"
        loaded = load_model(folder / best.BEST_FILE if (folder / best.BEST_FILE).exists() else Path(row["run"]))
        if loaded.kind != "images" and loaded.kind != "labelled-images":
            return None
        images = sample(loaded, GRID_SAMPLES, seed=GRID_SEED)
        panel = grid_image(images, nrow=6).convert("RGB")
        titled = Image.new("RGB", (panel.width, panel.height + 16), "white")
        titled.paste(panel, (0, 16))
        ImageDraw.Draw(titled).text((2, 2), recipe["recipe"][:40], fill=(0, 0, 0))
        panels.append(titled)
    if not panels:
        return None
    sheet = Image.new("RGB", (sum(p.width for p in panels) + 8 * (len(panels) - 1), max(p.height for p in panels)),
                      "white")
    x = 0
    for panel in panels:
        sheet.paste(panel, (x, 0))
        x += panel.width + 8
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path


def write_results(out: Path, plan: Plan) -> dict[str, Path]:
    summary = summarise(out, plan)
    written = {"json": out / "results.json", "markdown": out / "results.md"}
    atomic_write(written["json"], lambda tmp: Path(tmp).write_text(json.dumps(summary, indent=1) + "\n"))
    atomic_write(written["markdown"], lambda tmp: Path(tmp).write_text(markdown(summary)))
    written["curves"] = plot_curves(summary, out / "curves.png")
    with torch.no_grad():
        grid = grids(summary, out / "grids.png")
    if grid is not None:
        written["grids"] = grid
    return written
