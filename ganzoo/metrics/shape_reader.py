"""A judge for ``shapes`` that may answer "none of these".

The shapes classifier (``classifier.py``) must give every image one of the six classes,
and it names a smudge or a lumpy blob as confidently as a drawn star: its "recognised"
share counts samples a person would not name. This reader has a seventh answer, none of
these, learnt from ``ganzoo.data.shapes.render_none``: shapes posed, coloured and set on
backgrounds exactly as ``shapes`` draws its own, but with outlines that are none of the
six (in-between shapes, lumpy blobs, ovals, nothing at all). So only the outline can tell
them apart. Every training image, real or none, is blurred (up to 0.7 px) or noised (up
to 5 % of the range) at random, the slips a person looks past, so that it reads outlines
rather than pixel noise. Two such nets, trained from two seeds, answer together (their
probabilities averaged): where an outline sits between a circle and a blob, one net's
verdict depends on its seed, and the pair's much less. Trained once per machine on
JUDGE_THREADS threads, then cached, as the classifier is.
"""

from __future__ import annotations

import torch
from torch import nn

import ganzoo.data as gdata
from ganzoo.data.base import to_unit_range
from ganzoo.data.cache import cached_tensors, progress
from ganzoo.data.draw import SHAPES
from ganzoo.data.shapes import render_none
from ganzoo.metrics.classifier import SmallClassifier, judge_threads

VERSION = 1
TRAIN_STEPS = 2000
BATCH = 128  # real images a step, with NONE_BATCH none-of-these images beside them
NONE_BATCH = 48
NONE_POOL = 6000
BLURS = (0.3, 0.5, 0.7)  # Gaussian sigmas in pixels, one picked per blurred image
NOISE = 0.1  # the largest noise sigma, in the [-1, 1] range: 5 % of it
SEEDS = (0, 1)  # one net per seed, answering together


def _slips(images: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Half the images blurred by one of BLURS, half (independently) noised up to NOISE."""
    out = images.clone()
    blur = torch.randint(2 * len(BLURS), (len(images),), generator=g)  # len(BLURS) and above: left sharp
    for i, sigma in enumerate(BLURS):
        pick = blur == i
        if pick.any():
            out[pick] = nn.functional.conv2d(out[pick], _gaussian(sigma, images.shape[1]), padding=2,
                                             groups=images.shape[1])
    noisy = (torch.rand(len(images), 1, 1, 1, generator=g) < 0.5).float()
    sigma = noisy * NOISE * torch.rand(len(images), 1, 1, 1, generator=g)
    return (out + sigma * torch.randn(images.shape, generator=g)).clamp(-1, 1)


def _gaussian(sigma: float, channels: int) -> torch.Tensor:
    x = torch.arange(5, dtype=torch.float32) - 2
    k = torch.exp(-(x**2) / (2 * sigma**2))
    k = torch.outer(k, k) / k.sum() ** 2
    return k.expand(channels, 1, 5, 5).contiguous()


@torch.enable_grad()  # callers may be scoring under no_grad when the reader is first needed
@judge_threads()
def _train(data: object, seed: int = 0) -> SmallClassifier:
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = SmallClassifier(data.channels, data.num_classes + 1)
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    real_x, real_y = data.train.batch(torch.arange(len(data.train)))  # already in [-1, 1]
    none_x = to_unit_range(render_none(NONE_POOL, data.image_size, g))
    none_y = torch.full((NONE_BATCH,), data.num_classes)
    with progress(f'training the shapes reader with a "none of these" answer, net {seed + 1} of {len(SEEDS)} '
                  "(once, then cached)", TRAIN_STEPS, "steps") as done:
        for step in range(TRAIN_STEPS):
            i = torch.randint(len(real_x), (BATCH,), generator=g)
            j = torch.randint(len(none_x), (NONE_BATCH,), generator=g)
            x = _slips(torch.cat([real_x[i], none_x[j]]), g)
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), torch.cat([real_y[i], none_y])).backward()
            opt.step()
            done.set(step + 1)
    return net.eval()


class ShapeReader(nn.Module):
    """Nets over the six shapes and "none of these" (the last class), answering together:
    ``forward`` gives their mean probabilities."""

    def __init__(self, nets: list[SmallClassifier]) -> None:
        super().__init__()
        self.nets = nn.ModuleList(nets)
        self.shapes = nets[0].head.out_features - 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([torch.softmax(net(x), 1) for net in self.nets]).mean(0)


def get_shape_reader(image_size: int = 32) -> ShapeReader:
    """The reader for ``shapes`` at ``image_size``: classes 0-5 as ``shapes`` names them, 6 none."""
    def train_all() -> dict[str, torch.Tensor]:  # the data is loaded only when the reader is not cached
        data = gdata.load("shapes", image_size=image_size, channels=3)
        return {f"{seed}.{name}": value for seed in SEEDS for name, value in _train(data, seed).state_dict().items()}

    state = cached_tensors(f"shape-reader-v{VERSION}-px{image_size}", train_all)
    nets = []
    for seed in SEEDS:
        net = SmallClassifier(3, len(SHAPES) + 1)
        prefix = f"{seed}."
        net.load_state_dict({name[len(prefix):]: value for name, value in state.items() if name.startswith(prefix)})
        nets.append(net.eval())
    return ShapeReader(nets).eval()


def read(samples: torch.Tensor) -> dict[str, float]:
    """``shares`` of ``samples`` by the reader at their own size (``ganzoo.testing.read_shapes``)."""
    return shares(get_shape_reader(int(samples.shape[-1])), samples)


def shares(reader: ShapeReader, samples: torch.Tensor) -> dict[str, float]:
    """``named``: the share of samples whose likeliest answer is one of the six shapes;
    ``none``: the rest; ``classes``: shapes given to at least 3 % of the samples."""
    with torch.no_grad():
        answer = torch.cat([reader(samples[i : i + 500]).argmax(1) for i in range(0, len(samples), 500)])
    share = torch.bincount(answer, minlength=reader.shapes + 1).float() / len(samples)
    return {"named": float(share[: reader.shapes].sum()), "none": float(share[reader.shapes]),
            "classes": int((share[: reader.shapes] >= 0.03).sum())}
