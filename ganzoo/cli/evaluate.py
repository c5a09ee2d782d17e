"""``ganzoo eval``: score a run or checkpoint, print the scores, keep them with their provenance."""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
from pathlib import Path

import click

from ganzoo.cli.output import echo_json, echo_table


@click.command("eval")
@click.argument("source")
@click.option("--data", help="Real data to compare with (default: the data the model was trained on).")
@click.option("--metrics", help="Comma-separated: fid, kid, precision-recall, label-accuracy, translation, modes, "
              "named (shapes only) (default: those that suit the model's task).")
@click.option("--features", default="classifier", show_default=True,
              help="Feature extractor: classifier (offline), inception, timm:<model>; see `ganzoo features`.")
@click.option("--features-weights", type=click.Path(dir_okay=False),
              help="A local weights file for inception or timm:<model> (safetensors or a plain state dict).")
@click.option("-n", "count", type=click.IntRange(min=2), help="Samples to score [default: 10000 images, 2500 points].")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True,
              help="Which real split gives the reference statistics.")
@click.option("--seed", default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write scores and provenance as JSON here.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
def eval_cmd(source: str, data: str | None, metrics: str | None, features: str, features_weights: str | None,
             count: int | None, split: str, seed: int, device: str, out: str | None, as_json: bool) -> None:
    """Score SOURCE (a run folder, a checkpoint file, or pretrained weights by name: vanilla.ring) against real data.

    \b
    ganzoo eval runs/dcgan-shapes-...                    FID, KID, precision/recall (offline classifier)
    ganzoo eval runs/cgan-digits-... --metrics label-accuracy
    ganzoo eval runs/vanilla-ring-...                    modes covered, high-quality %
    ganzoo eval RUN --features inception --features-weights pt_inception.pth --out fid.json
    """
    from ganzoo.services.evaluation import evaluate

    result = evaluate(source, data=data, metrics=metrics, features=features, features_weights=features_weights,
                      n=count, seed=seed, split=split, device=device)
    if as_json:
        echo_json(result)
        _write(result, out)
        return
    rows = [(name, _fmt(value)) for name, value in result["scores"].items()]
    echo_table(("METRIC", "VALUE"), rows)
    p = result["provenance"]
    if "translation" in p or p.get("generated_samples") is None:  # image-to-image: test images were translated
        count = p.get("translation", {}).get("images_per_domain")
        what = f"{count} {p['split']} images per domain translated" if count else f"{p['split']} images translated"
        if p.get("reference_split"):
            what += f", compared with the {p['reference_split']} split"
        data = f"data {p['data']} ({what})"
    else:
        data = f"data {p['data']} ({p['split']} split as reference)"
    click.echo(f"\nmodel {p['model']} at step {p['checkpoint_step']} ({p['sampling_weights']} weights); "
               f"{data}; seed {p['seed']}; {p['seconds']} s")
    if "translation" in p:
        click.echo(f"judge: {p['translation']['judge']}. a2b_as_b / b2a_as_a: share of translations it calls the "
                   "target domain; fd_*_rel: distance to the target as a fraction of the gap between the domains "
                   "(0 best, 1 = no closer than the source domain)")
    if "named" in p:
        click.echo(f"named: the share of samples the {p['named']['judge']} names; named_classes: "
                   f"{p['named']['classes_at']}")
    if "features" in p:
        click.echo(f"features {p['features']} ({p['feature_dim']}-d, {p['input_size']} px, {p['resizer']}; "
                   f"weights sha256 {p['weights_sha256'][:12]}...); real {p['real_samples']}, "
                   f"generated {p['generated_samples']}")
    _write(result, out)


def _write(result: dict, out: str | None) -> None:
    """Write the scores after showing them, so a place that cannot be written loses nothing."""
    if not out:
        return
    from ganzoo.services.evaluation import write_json  # lazy: keeps torch off the CLI's fast path

    try:
        write_json(result, Path(out))
    except OSError as err:
        raise click.ClickException(f"the scores above were not written to {out}: {err.strerror or err}. "
                                   "Pick a writable place for --out.") from err
    click.echo(f"wrote {out}")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
