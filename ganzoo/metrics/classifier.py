"""A small CNN trained once on a built-in dataset's real training split, then cached.

It judges generated images offline: its predictions score conditional models (is
this the class that was asked for?) and its penultimate features give FID-style
Fréchet distances without downloading Inception weights, as practitioners do for
MNIST-like data. Trained deterministically; its weights are cached like any
generated tensors (``ganzoo.data.cache``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

import ganzoo.data as gdata
from ganzoo.data.cache import cached_tensors, progress

VERSION = 1
TRAIN_STEPS = 600
BATCH = 128


class SmallClassifier(nn.Module):
    """Three conv blocks, global max pooling, a linear head; ``features`` is 128-d."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(128, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    @torch.no_grad()
    def predict(self, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
        return torch.cat([self(images[i : i + batch]).argmax(1) for i in range(0, len(images), batch)])

    @torch.no_grad()
    def embed(self, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
        return torch.cat([self.features(images[i : i + batch]) for i in range(0, len(images), batch)])


#: judges train on this many threads wherever they run, however many cores the process has:
#: the thread count changes the order of floating-point sums, so a judge trained on another
#: count is another judge, and shipped figures (measured with 2) would not reproduce
JUDGE_THREADS = 2


@contextlib.contextmanager
def judge_threads() -> Iterator[None]:
    """Train a judge network on JUDGE_THREADS threads, then restore the process's count."""
    before = torch.get_num_threads()
    torch.set_num_threads(JUDGE_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@torch.enable_grad()  # callers may be scoring under no_grad when the classifier is first needed
@judge_threads()
def _train(data: object, seed: int = 0) -> SmallClassifier:
    torch.manual_seed(seed)
    net = SmallClassifier(data.channels, data.num_classes)
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    g = torch.Generator().manual_seed(seed)
    step = 0
    with progress(f"training the {data.name} classifier for evaluation features (once, then cached)", TRAIN_STEPS,
                  "steps") as done:
        while step < TRAIN_STEPS:
            for x, y in data.iter_batches(BATCH, g):
                opt.zero_grad()
                nn.functional.cross_entropy(net(x), y).backward()
                opt.step()
                step += 1
                done.set(step)
                if step >= TRAIN_STEPS:
                    break
    return net.eval()


def get_classifier(dataset: str, image_size: int | None = None, channels: int | None = None) -> SmallClassifier:
    """The classifier for a labelled built-in dataset, trained on first use and cached."""
    data = gdata.load(dataset, image_size=image_size, channels=channels)
    if data.kind != "labelled-images":
        raise ValueError(f"a classifier needs labelled images; {dataset!r} is {data.kind}")
    key = f"classifier-{dataset}-v{VERSION}-px{data.image_size}-c{data.channels}"
    net = SmallClassifier(data.channels, data.num_classes)
    net.load_state_dict(cached_tensors(key, lambda: _train(data).state_dict()))
    return net.eval()


def accuracy(net: SmallClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    return float((net.predict(images) == labels).float().mean())
