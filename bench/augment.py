"""DCGAN on a small dataset with and without differentiable augmentation (run by hand; prints a table).

    python bench/augment.py [--limit 2000] [--steps 3000] [--modes none,diffaugment,ada] [--seeds 1]

The first ``--limit`` training images of ``shapes`` are written to a folder and each
mode trains DCGAN (its defaults, plus ``--augment MODE``) on that folder. Scored as the
DCGAN slow test does: the Fréchet distance, in the shapes classifier's features, between
2,000 samples and 2,000 *held-out* test images (augmentation helps by keeping D from
memorising the few training images, so the gap shows on images it never saw), beside the
real-vs-real distance (2,000 train vs 2,000 test images) as the floor.
A check that the script works: ``--limit 200 --steps 50 --samples 200`` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def write_subset(data, limit: int, folder: Path) -> None:
    """The first ``limit`` training images as PNG files, a folder ganzoo trains on."""
    import torch

    from ganzoo.io.imaging import grid_image

    images = data.train.batch(torch.arange(min(limit, len(data.train))))
    images = images[0] if isinstance(images, (tuple, list)) else images
    for i, image in enumerate(images):
        grid_image(image[None], nrow=1, padding=0).save(folder / f"{i:05d}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=2_000, help="training images kept")
    parser.add_argument("--steps", type=int, default=3_000)
    parser.add_argument("--modes", default="none,diffaugment,ada")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--samples", type=int, default=2_000, help="samples (and test images) per score")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    import torch

    import ganzoo
    import ganzoo.data as gdata
    from ganzoo.metrics.features import get_extractor
    from ganzoo.metrics.scores import fid

    data = gdata.load("shapes")
    features = get_extractor("classifier", data)
    n = args.samples
    with torch.no_grad():
        test = features(data.test.batch(torch.arange(min(n, len(data.test))))[0])
        floor = fid(test, features(data.train.batch(torch.arange(min(n, len(data.train))))[0]))
    print(f"DCGAN on {args.limit} shapes images, {args.steps} steps; FD to {len(test)} held-out test images "
          f"(real-vs-real {floor:.2f})")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / f"shapes-{args.limit}"
        folder.mkdir()
        write_subset(data, args.limit, folder)
        for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
            scores = []
            for seed in range(args.seeds):
                start = time.perf_counter()
                run = ganzoo.train("dcgan", str(folder), out=Path(tmp) / "runs", steps=args.steps, seed=seed,
                                   augment=mode, image_size=data.image_size, threads=args.threads, quiet=True,
                                   sample_every=10**9, checkpoint_every=10**9)
                with torch.no_grad():
                    score = fid(test, features(ganzoo.sample(run.dir, n, seed=seed + 100)))
                state = torch.load(run.dir / "checkpoints" / "last.pt", weights_only=True).get("augment") or {}
                extra = f", final p {float(state['p']):.2f}" if mode == "ada" else ""
                print(f"  {mode:12s} seed {seed}: FD {score:8.2f}  ({time.perf_counter() - start:.0f} s{extra})",
                      flush=True)
                scores.append(score)
            rows.append((mode, statistics.mean(scores), statistics.stdev(scores) if len(scores) > 1 else 0.0))
    print(f"\n{'augment':12s} {'FD (mean)':>10s} {'sd':>8s}")
    for mode, mean, sd in rows:
        print(f"{mode:12s} {mean:10.2f} {sd:8.2f}")


if __name__ == "__main__":
    main()
