"""How fast is `ganzoo list` next to `import torch`? (run by hand; prints figures)

    python bench/cli_startup.py [--runs 7]

Both are measured in this one run, in fresh interpreters, after one warm-up each,
so the ratio holds on a noisy shared machine. Goal: ganzoo list <= 0.1 x import torch.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def median_seconds(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ganzoo = str(Path(sys.executable).parent / "ganzoo")
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "ganzoo list": [ganzoo, "list"],
        "ganzoo --help": [ganzoo, "--help"],
        "import torch": [sys.executable, "-c", "import torch"],
    }
    results = {name: median_seconds(cmd, args.runs) for name, cmd in cases.items()}
    for name, seconds in results.items():
        print(f"{name:16s} median {seconds * 1000:8.1f} ms over {args.runs} runs")
    ratio = results["ganzoo list"] / results["import torch"]
    print(f"ratio ganzoo list / import torch = {ratio:.3f}  (goal <= 0.100: {'met' if ratio <= 0.1 else 'NOT met'})")


if __name__ == "__main__":
    main()
