"""Seconds to score 10,000 samples with the offline classifier (run by hand; prints figures).

    python bench/eval.py [--n 10000] [--rounds 3] [--run RUN_DIR]

Scores a DCGAN run on ``shapes`` (a short one is trained if ``--run`` is not given):
first with an empty cache of real features (cold: the real 10k images are embedded),
then again with them cached (warm), in the same process after the classifier is
trained and cached (that one-off cost is reported separately). Each phase is timed
with its own GANZOO_HOME so no round sees another's cache. Reported as medians and
as the warm/cold ratio: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--run", help="a run folder to score (default: train DCGAN on shapes for 200 steps)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    base = Path(tempfile.mkdtemp(prefix="ganzoo-bench-eval-"))
    os.environ["GANZOO_HOME"] = str(base / "home-classifier")
    import torch

    import ganzoo
    from ganzoo.metrics.classifier import get_classifier

    start = time.perf_counter()
    get_classifier("shapes")
    classifier_s = time.perf_counter() - start
    run = args.run or ganzoo.train("dcgan", "shapes", out=base / "runs", steps=200, quiet=True).dir
    cache_src = base / "home-classifier" / "cache"

    cold, warm, parts = [], [], []
    for r in range(args.rounds):
        home = base / f"home-{r}"
        shutil.copytree(cache_src, home / "cache", ignore=shutil.ignore_patterns("realfeat-*"))
        os.environ["GANZOO_HOME"] = str(home)
        start = time.perf_counter()
        result = ganzoo.evaluate(run, n=args.n)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        again = ganzoo.evaluate(run, n=args.n)
        warm.append(time.perf_counter() - start)
        assert again["provenance"]["real_features_cached"] == {"real": True}
        assert again["scores"] == result["scores"]
        parts.append(_parts(run, args.n, torch))
        print(f"round {r}: cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s", flush=True)
    shutil.rmtree(base, ignore_errors=True)

    c, w = statistics.median(cold), statistics.median(warm)
    print(f"\nganzoo eval, DCGAN on shapes, n = {args.n:,}, classifier features, {torch.get_num_threads()} threads")
    print(f"  classifier training (once per GANZOO_HOME): {classifier_s:.1f} s")
    print(f"  cold (real features computed):  {c:6.1f} s")
    print(f"  warm (real features cached):    {w:6.1f} s   warm/cold = {w / c:.2f}")
    print("  where the warm time goes (median s): " + ", ".join(
        f"{k} {statistics.median(p[k] for p in parts):.1f}" for k in parts[0]))
    print("  scores:", {k: round(v, 4) for k, v in result["scores"].items()})


def _parts(run: Path, n: int, torch) -> dict[str, float]:  # noqa: ANN001
    """Time the pieces of a warm evaluation one by one."""
    import ganzoo
    import ganzoo.data as gdata
    from ganzoo.metrics import scores
    from ganzoo.metrics.features import get_extractor

    out = {}
    start = time.perf_counter()
    fake = ganzoo.sample(run, n)
    out["sampling"] = time.perf_counter() - start
    extractor = get_extractor("classifier", gdata.load("shapes"))
    start = time.perf_counter()
    fake_f = extractor(fake)
    out["features"] = time.perf_counter() - start
    real_f = extractor(gdata.load("shapes").train.batch(torch.arange(n))[0])
    for name, fn in (("fid", lambda: scores.fid(real_f, fake_f)), ("kid", lambda: scores.kid(real_f, fake_f)),
                     ("precision-recall", lambda: scores.precision_recall(real_f, fake_f))):
        start = time.perf_counter()
        fn()
        out[name] = time.perf_counter() - start
    return out


if __name__ == "__main__":
    main()
