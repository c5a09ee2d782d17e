"""Mode coverage of every point-capable family on ring and grid (run by hand; prints a table).

    python bench/modes.py [--seeds 5] [--workers 2] [--models vanilla,wgan,wgan-gp]

Each run trains with the model's defaults (plus ``vanilla-paper``: the vanilla GAN
with the paper's settings, no R1 penalty, constant learning rate, 5,000 steps; ``wgan-gp-lambda10``
and ``wgan-paper``, the earlier defaults) and scores 2,500
samples as VEEGAN does: a sample is high quality within 3 std of its nearest mode;
a mode is covered if it is the nearest mode of at least one high-quality sample.
Printed beside published figures. Models run on one thread each, two at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

PUBLISHED = [  # (method, ring modes, ring HQ %, grid modes, grid HQ %)
    ("VEEGAN (Srivastava et al. 2017)", 8.0, 52.9, 24.6, 40.0),
    ("GDPP (Elfeki et al. 2019)", 8.0, 71.7, 24.8, 68.5),
    ("PacGAN4 (Lin et al. 2018)", 7.8, 95.9, 24.8, 93.6),
]
VARIANTS = {"vanilla-paper": ("vanilla", {"r1": 0.0, "lr": 2e-4, "lr_schedule": "constant", "ema": False,
                                          "steps": 5_000}),
            # the settings before issue 17: the image-scale lambda on points; the WGAN paper's RMSProp rate
            "wgan-gp-lambda10": ("wgan-gp", {"gp_weight": 10.0}),
            "wgan-paper": ("wgan", {"lr": 5e-5, "lr_schedule": "constant", "ema": False, "steps": 5_000})}


def one(job: tuple[str, str, int]) -> dict:
    label, data, seed = job
    import torch

    torch.set_num_threads(1)
    import ganzoo
    import ganzoo.data as gdata
    from ganzoo.metrics.modes import mode_coverage

    model, overrides = VARIANTS.get(label, (label, {}))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        run = ganzoo.train(model, data, out=out, seed=seed, quiet=True, sample_every=10**9,
                           checkpoint_every=10**9, **overrides)
        samples = ganzoo.sample(run.dir, 2_500, seed=seed + 100)
    info = gdata.load(data).info
    score = mode_coverage(samples, info["centres"], info["std"])
    return {"model": label, "data": data, "seed": seed, "modes": score.modes_covered,
            "hq": 100 * score.high_quality, "seconds": time.perf_counter() - start, "steps": run.step}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default="vanilla,vanilla-paper,wgan,wgan-gp")
    parser.add_argument("--json", help="also write every run's figures here")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    jobs = [(m, d, s) for m in args.models.split(",") for d in ("ring", "grid") for s in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(one, jobs))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)
    print(f"{args.seeds} seeds each, 2,500 samples; mean (min-max); seconds per run on this machine\n")
    print(f"{'method':34s} {'ring modes':>16s} {'ring HQ %':>18s} {'grid modes':>16s} {'grid HQ %':>18s} {'s/run':>7s}")
    for method, rm, rq, gm, gq in PUBLISHED:
        print(f"{method:34s} {rm:16.1f} {rq:18.1f} {gm:16.1f} {gq:18.1f} {'':>7s}")
    for model in args.models.split(","):
        cells = []
        for data in ("ring", "grid"):
            rows = [r for r in results if r["model"] == model and r["data"] == data]
            for key in ("modes", "hq"):
                vals = [r[key] for r in rows]
                cells.append(f"{statistics.mean(vals):.1f} ({min(vals):.0f}-{max(vals):.0f})")
        secs = statistics.mean(r["seconds"] for r in results if r["model"] == model)
        print(f"{'ganzoo ' + model:34s} {cells[0]:>16s} {cells[1]:>18s} {cells[2]:>16s} {cells[3]:>18s} {secs:7.0f}")


if __name__ == "__main__":
    main()
