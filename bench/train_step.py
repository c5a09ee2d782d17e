"""The Trainer against a plain hand-written PyTorch loop: speed, memory, quality.
(run by hand; prints figures)

    python bench/train_step.py [--steps 25] [--rounds 2]      # speed and peak RSS, DCGAN-64
    python bench/train_step.py --quality [--quality-steps 400] [--seeds 3]  # quality at equal steps

Same nets (pytorch/examples DCGAN: nz 100, 64 feature maps), same data (shapes),
batch 64, in one run. Each mode runs in its own process so its peak RSS is its
own; modes alternate over rounds and medians are reported, because the machine is
shared and noisy. The first 5 steps of every mode are warm-up and not timed. The
Trainer writes no grids or checkpoints during timing (they are I/O, not the loop).

Goals: Trainer overhead in fp32 <= 3 % of the plain loop; the Trainer's default
settings (channels_last + bf16 where native) >= 1.7 x the plain fp32 loop.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
WARMUP = 5
MODES = ("plain-fp32", "trainer-fp32", "trainer-default")


def _host():  # noqa: ANN202
    import _dcgan

    from ganzoo.plugins import PluginHost

    return PluginHost(entry_points=False, extra=[("bench", _dcgan)])


def run_mode(mode: str, steps: int, size: int) -> dict:
    import ganzoo.data as gdata

    torch.manual_seed(0)
    if mode == "plain-fp32":
        import _dcgan

        images = gdata.load("shapes", image_size=size).train
        loop = _dcgan.PlainLoop(size)
        g = torch.Generator().manual_seed(0)
        times = []
        for _ in range(steps):
            real = images.batch(torch.randint(len(images), (64,), generator=g))[0]
            start = time.perf_counter()
            loop.step(real)
            times.append(time.perf_counter() - start)
        rate = 64 * (steps - WARMUP) / sum(times[WARMUP:])
    else:
        from ganzoo.training.trainer import Trainer

        overrides = dict(steps=steps, log_every=WARMUP, sample_every=10**9, checkpoint_every=10**9, image_size=size)
        if mode == "trainer-fp32":
            overrides.update(precision="fp32", channels_last=False, threads=torch.get_num_threads())
        trainer = Trainer("bench-dcgan", "shapes", out=os.environ["BENCH_OUT"], overrides=overrides, quiet=True,
                          host=_host())
        run = trainer.fit()
        rows = [json.loads(r) for r in (run.dir / "metrics.jsonl").read_text().splitlines()]
        # images/s per window of 5 steps; the first window holds the warm-up
        seconds = sum(5 * 64 / r["images_per_s"] for r in rows[1:])
        rate = 64 * 5 * len(rows[1:]) / seconds
    return {"mode": mode, "images_per_s": rate, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def speed(args: argparse.Namespace) -> None:
    import tempfile

    results: dict[str, list[dict]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "BENCH_OUT": out}
        for _ in range(args.rounds):
            for mode in MODES:
                proc = subprocess.run([sys.executable, __file__, "--child", mode, "--steps", str(args.steps)],
                                      capture_output=True, text=True, env=env, check=True)
                results[mode].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    base = statistics.median(r["images_per_s"] for r in results["plain-fp32"])
    print(f"DCGAN-64, batch 64, {args.steps - WARMUP} timed steps x {args.rounds} rounds, "
          f"torch {torch.__version__}, {os.cpu_count()} cores")
    print(f"{'mode':16s} {'images/s':>9s} {'x plain fp32':>13s} {'peak RSS MB':>12s}")
    for mode in MODES:
        rate = statistics.median(r["images_per_s"] for r in results[mode])
        rss = max(r["peak_rss_mb"] for r in results[mode])
        print(f"{mode:16s} {rate:9.1f} {rate / base:13.3f} {rss:12.0f}")
    overhead = 1 - statistics.median(r["images_per_s"] for r in results["trainer-fp32"]) / base
    speedup = statistics.median(r["images_per_s"] for r in results["trainer-default"]) / base
    print(f"Trainer overhead in fp32: {overhead * 100:+.1f} % (goal <= 3 %)")
    print(f"Trainer defaults vs plain fp32: {speedup:.2f} x (goal >= 1.7 x)")


# -- quality at equal steps ----------------------------------------------------------------
def quality(args: argparse.Namespace) -> None:
    """The dcgan plugin on digits, fp32 against the Trainer's defaults, same seeds and steps:
    Fréchet distance in the features of the cached digits classifier, 2,000 samples against
    the 297 test images (and the train split against them, as the real-vs-real floor)."""
    import tempfile

    import ganzoo
    import ganzoo.data as gdata
    from ganzoo.metrics.classifier import get_classifier
    from ganzoo.metrics.scores import fid as frechet_distance

    data = gdata.load("digits")
    clf = get_classifier("digits")
    real = clf.embed(data.test.batch(torch.arange(len(data.test)))[0])
    floor = frechet_distance(clf.embed(data.train.batch(torch.arange(len(data.train)))[0]), real)
    results: dict[str, list[tuple[float, float]]] = {"fp32": [], "defaults": []}
    with tempfile.TemporaryDirectory() as out:
        for seed in range(args.seeds):
            for arm, extra in (("fp32", {"precision": "fp32", "channels_last": False}), ("defaults", {})):
                start = time.perf_counter()
                run = ganzoo.train("dcgan", "digits", out=out, seed=seed, steps=args.quality_steps, ema=False,
                                   sample_every=10**9, checkpoint_every=10**9, quiet=True, **extra)
                seconds = time.perf_counter() - start
                fd = frechet_distance(clf.embed(ganzoo.sample(run.dir, 2_000, seed=99)), real)
                results[arm].append((fd, seconds))
                print(f"seed {seed} {arm:8s} FD {fd:7.2f}  {seconds:5.0f} s", flush=True)
    print(f"\ndcgan on digits, {args.quality_steps} steps, {args.seeds} seeds; real train vs test FD {floor:.2f}")
    for arm, rows in results.items():
        fds = [fd for fd, _ in rows]
        print(f"  {arm:8s} FD mean {statistics.mean(fds):7.2f} (min {min(fds):.2f}, max {max(fds):.2f}), "
              f"{statistics.mean(s for _, s in rows):.0f} s per run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--quality-steps", type=int, default=400)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--child", choices=MODES)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_mode(args.child, args.steps, 64)))
    elif args.quality:
        quality(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
