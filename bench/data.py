"""Is data loading ever the bottleneck? (run by hand; prints figures)

    python bench/data.py [--steps 20]

For each built-in: the time of a first and a second load (procedural images come from
the GANZOO_HOME cache the second time) and
the samples/s of its batch path at batch 64. For a folder of PNGs: samples/s of lazy
decoding through a DataLoader with 0 and 2 workers, and of the preloaded tensors.
The reference, measured in the same run: images/s consumed by a DCGAN training
step (D and G update, batch 64) at 32 and 64 px on this machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

BATCH = 64


def dcgan(size: int, channels: int = 3, nz: int = 100, nf: int = 64) -> tuple[nn.Module, nn.Module]:
    """The pytorch/examples DCGAN, scaled to 32 or 64 px."""
    layers = 4 if size == 64 else 3
    g: list[nn.Module] = [nn.ConvTranspose2d(nz, nf * 2 ** (layers - 1), 4, 1, 0, bias=False),
                          nn.BatchNorm2d(nf * 2 ** (layers - 1)), nn.ReLU(True)]
    for i in range(layers - 1, 0, -1):
        g += [nn.ConvTranspose2d(nf * 2**i, nf * 2 ** (i - 1), 4, 2, 1, bias=False), nn.BatchNorm2d(nf * 2 ** (i - 1)), nn.ReLU(True)]
    g += [nn.ConvTranspose2d(nf, channels, 4, 2, 1, bias=False), nn.Tanh()]
    d: list[nn.Module] = [nn.Conv2d(channels, nf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    for i in range(1, layers):
        d += [nn.Conv2d(nf * 2 ** (i - 1), nf * 2**i, 4, 2, 1, bias=False), nn.BatchNorm2d(nf * 2**i), nn.LeakyReLU(0.2, True)]
    d += [nn.Conv2d(nf * 2 ** (layers - 1), 1, 4, 1, 0, bias=False), nn.Flatten()]
    return nn.Sequential(*g), nn.Sequential(*d)


def dcgan_images_per_s(size: int, steps: int) -> float:
    g, d = dcgan(size)
    og, od = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999)), torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(BATCH, 3, size, size) * 2 - 1
    ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)

    def step() -> None:
        fake = g(torch.randn(BATCH, 100, 1, 1))
        od.zero_grad()
        (bce(d(real), ones) + bce(d(fake.detach()), zeros)).backward()
        od.step()
        og.zero_grad()
        bce(d(fake), ones).backward()
        og.step()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * BATCH / (time.perf_counter() - start)


def batches_per_s(data, seconds: float = 1.0) -> float:
    g = torch.Generator().manual_seed(0)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in data.iter_batches(BATCH, g):
            count += 1
            if time.perf_counter() - start >= seconds:
                break
    return count * BATCH / (time.perf_counter() - start)


def loader_per_s(dataset, workers: int, batches: int = 12) -> float:
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers)
    it = iter(loader)
    next(it)  # start-up (worker spawn) is not throughput
    start = time.perf_counter()
    n = 0
    for _ in range(batches):
        try:
            next(it)
        except StopIteration:
            it = iter(loader)
            next(it)
        n += 1
    return n * BATCH / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="DCGAN steps to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["GANZOO_HOME"] = home
        from PIL import Image

        import ganzoo.data as gdata

        need = {size: dcgan_images_per_s(size, args.steps) for size in (32, 64)}
        for size, rate in need.items():
            print(f"reference: DCGAN-{size} training step consumes {rate:8.0f} images/s (batch {BATCH})")
        print(f"\n{'dataset':18s} {'1st load':>10s} {'2nd load':>8s} {'samples/s':>11s} {'x DCGAN need':>13s}")
        for name, size in (("ring", None), ("grid", None), ("digits", 32), ("shapes", 32), ("shapes", 64), ("sketches2photos", 64)):
            kw = {"image_size": size} if size else {}
            start = time.perf_counter()
            data = gdata.load(name, **kw)
            cold = time.perf_counter() - start
            start = time.perf_counter()
            data = gdata.load(name, **kw)
            warm = time.perf_counter() - start
            rate = batches_per_s(data)
            ref = need[size or 32]
            label = f"{name}@{size}" if size else name
            print(f"{label:18s} {cold:9.2f}s {warm:7.2f}s {rate:11.0f} {rate / ref:12.0f}x")

        folder = Path(home) / "folder"
        folder.mkdir()
        images = gdata.load("sketches2photos").train.b.images[:512]
        for i, img in enumerate(images):
            Image.fromarray(img.permute(1, 2, 0).numpy()).resize((128, 128)).save(folder / f"{i:04d}.png")
        for workers in (0, 2):
            lazy = gdata.load(folder, image_size=64, preload_limit=0)
            rate = loader_per_s(lazy.train, workers)
            print(f"{'folder lazy w=' + str(workers):18s} {'':>10s} {'':>8s} {rate:11.0f} {rate / need[64]:12.1f}x")
        start = time.perf_counter()
        eager = gdata.load(folder, image_size=64)
        print(f"{'folder preloaded':18s} {time.perf_counter() - start:9.2f}s {'':>8s} {batches_per_s(eager):11.0f} "
              f"{batches_per_s(eager) / need[64]:12.0f}x   (512 PNGs, 128 px -> 64 px)")


if __name__ == "__main__":
    main()
