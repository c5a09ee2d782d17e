"""Soak: a long run with frequent checkpoints (memory must stay flat), and repeated
two-process DDP runs (every one must exit 0). Run by hand; prints figures.

    python bench/soak.py [--steps 20000] [--checkpoint-every 200] [--ddp-runs 20]

The long run is ``ganzoo train vanilla --data ring`` in a child process whose RSS is
sampled every 0.5 s from /proc; growth is the mean RSS of the last tenth of the run
over that of the tenth after warm-up (the first 10 % of the samples). Goal: within 5 %.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def long_run(steps: int, every: int, out: Path) -> None:
    cmd = [sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "ring", "--steps", str(steps),
           "--checkpoint-every", str(every), "--out", str(out), "--quiet"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    samples = []
    while proc.poll() is None:
        value = rss_mb(proc.pid)
        if value is not None:
            samples.append(value)
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    tenth = max(1, len(samples) // 10)
    early, late = statistics.mean(samples[tenth : 2 * tenth]), statistics.mean(samples[-tenth:])
    checkpoints = len(list(out.glob("*/checkpoints/step-*.pt")))
    print(f"long run: {steps} steps, checkpoint every {every} ({steps // every} written, {checkpoints} kept), "
          f"exit {proc.returncode}, {seconds:.0f} s")
    print(f"  RSS after warm-up {early:.0f} MB, at the end {late:.0f} MB: growth {100 * (late / early - 1):+.1f} % "
          f"(goal within 5 %); peak {max(samples):.0f} MB; {len(samples)} samples")


def ddp_runs(count: int, out: Path) -> None:
    codes, seconds = [], []
    for i in range(count):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "ring", "--steps", "200",
                               "--checkpoint-every", "100", "--nproc", "2", "--out", str(out / f"ddp{i}"), "--quiet"],
                              capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
        codes.append(done.returncode)
        if done.returncode != 0 or "terminate called" in done.stderr:
            print(f"  run {i}: exit {done.returncode}\n{done.stderr[-1500:]}")
    print(f"two-process DDP runs: {codes.count(0)}/{count} exited 0; median {statistics.median(seconds):.1f} s each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--checkpoint-every", type=int, default=200)
    parser.add_argument("--ddp-runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as folder:
        long_run(args.steps, args.checkpoint_every, Path(folder) / "long")
        if args.ddp_runs:
            ddp_runs(args.ddp_runs, Path(folder))


if __name__ == "__main__":
    main()
