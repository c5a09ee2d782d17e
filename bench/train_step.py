"""The Trainer against a plain hand-written PyTorch loop: speed, memory, quality.
(run by hand; prints figures)

    python bench/train_step.py [--device cpu|cuda|mps] [--batch 64,256] [--steps 25] [--rounds 2]
    python bench/train_step.py --quality [--quality-steps 400] [--seeds 3]   # quality at equal steps

Same nets (pytorch/examples DCGAN-64: nz 100, 64 feature maps), same data (shapes at
64 px, held on the device as uint8), in one run. The plain loop is what a careful
person writes: fp32, nets and data on the device, the batch indexed and converted on
the device *inside* the timed region, no loss read back per step. Each mode runs in
its own process, so its peak memory (RSS on the CPU, allocated memory on a GPU) is its
own; modes alternate over rounds and medians are reported, because machines are
shared and noisy. The first ``WARMUP`` steps of every mode are not timed. The Trainer
writes no grids or checkpoints while timed (they are I/O at intervals, not the loop),
and its rate is read from its own log windows, each measured after the window's
one host sync.

Modes: ``plain-fp32``; ``trainer-fp32`` (its overhead); ``trainer-default`` (what
``ganzoo train`` does: auto precision by measurement, channels_last); ``trainer-bf16``
and ``trainer-compile`` (options). Goals: defaults >= 1.0x plain fp32 on a GPU at
batch 64 and 256, >= 1.3x with the best option; on the 2-core CPU defaults >= 1.7x.
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
MODES = ("plain-fp32", "trainer-fp32", "trainer-default", "trainer-bf16", "trainer-compile")
TRAINER_OPTIONS = {
    "trainer-fp32": {"precision": "fp32", "channels_last": False},
    "trainer-default": {},
    "trainer-bf16": {"precision": "bf16"},
    "trainer-compile": {"compile": True},
}


def _host():  # noqa: ANN202
    import _dcgan

    from ganzoo.host import PluginHost

    return PluginHost(entry_points=False, extra=[("bench", _dcgan)])


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _peak_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_mode(mode: str, steps: int, batch: int, device_name: str, size: int = 64) -> dict:
    import ganzoo.data as gdata

    device = torch.device(device_name)
    torch.manual_seed(0)
    if mode == "plain-fp32":
        import _dcgan

        images = gdata.load("shapes", image_size=size).train.images.to(device)  # uint8 on the device
        loop = _dcgan.PlainLoop(size, device=device)
        g = torch.Generator(device=device).manual_seed(0)
        for i in range(WARMUP + steps):
            if i == WARMUP:
                _sync(device)
                start = time.perf_counter()
            idx = torch.randint(len(images), (batch,), generator=g, device=device)
            loop.step(images[idx].float().div_(127.5).sub_(1.0))
        _sync(device)
        rate = batch * steps / (time.perf_counter() - start)
    else:
        from ganzoo.training.trainer import Trainer

        overrides = dict(steps=WARMUP + steps, log_every=WARMUP, sample_every=10**9, checkpoint_every=10**9,
                         image_size=size, batch_size=batch, device=device_name, **TRAINER_OPTIONS[mode])
        from ganzoo.training.plan import plan_run

        host = _host()
        trainer = Trainer(plan_run("bench-dcgan", "shapes", out=os.environ["BENCH_OUT"], settings=overrides,
                                   registry=host.registry), quiet=True, host=host)
        run = trainer.fit()
        rows = [json.loads(r) for r in (run.dir / "metrics.jsonl").read_text().splitlines()]
        timed = rows[1:]  # the first window holds the warm-up
        seconds = sum(WARMUP * batch / r["images_per_s"] for r in timed)
        rate = WARMUP * batch * len(timed) / seconds
    return {"mode": mode, "images_per_s": rate, "peak_mb": _peak_mb(device)}


def speed(args: argparse.Namespace) -> None:
    import tempfile

    modes = args.modes.split(",")
    batches = [int(b) for b in args.batch.split(",")]
    results: dict[tuple[int, str], list[dict]] = {(b, m): [] for b in batches for m in modes}
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "BENCH_OUT": out}
        for _ in range(args.rounds):
            for b in batches:
                for mode in modes:
                    cmd = [sys.executable, __file__, "--child", mode, "--steps", str(args.steps), "--batch", str(b),
                           "--device", args.device]
                    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
                    if proc.returncode != 0:
                        print(f"{mode} at batch {b} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                        continue
                    results[(b, mode)].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    name = torch.cuda.get_device_name() if args.device == "cuda" else f"{os.cpu_count()} CPU cores"
    print(f"DCGAN-64 on shapes, {args.device} ({name}), {args.steps} timed steps x {args.rounds} rounds, "
          f"torch {torch.__version__}")
    mem = "peak alloc MB" if args.device == "cuda" else "peak RSS MB"
    for b in batches:
        base_rows = results[(b, "plain-fp32")]
        base = statistics.median(r["images_per_s"] for r in base_rows) if base_rows else float("nan")
        print(f"\nbatch {b}\n{'mode':16s} {'images/s':>10s} {'x plain fp32':>13s} {mem:>14s}")
        for mode in modes:
            rows = results[(b, mode)]
            if not rows:
                print(f"{mode:16s} {'failed':>10s}")
                continue
            rate = statistics.median(r["images_per_s"] for r in rows)
            print(f"{mode:16s} {rate:10.1f} {rate / base:13.3f} {max(r['peak_mb'] for r in rows):14.0f}")


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
    default_device = "cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--device", choices=("cpu", "cuda", "mps"), default=default_device)
    parser.add_argument("--batch", default="64", help="comma-separated batch sizes (e.g. 64,256)")
    parser.add_argument("--steps", type=int, default=25, help="timed steps per mode (after warm-up)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--quality", action="store_true")
    parser.add_argument("--quality-steps", type=int, default=400)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--child", choices=MODES)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_mode(args.child, args.steps, int(args.batch), args.device)))
    elif args.quality:
        quality(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
