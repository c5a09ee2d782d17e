"""How well an image-to-image model translates, judged without paired ground truth.

The judge is a *domain classifier* (the small CNN of ``ganzoo.metrics.classifier``)
with **three** classes: real A, real B, and *neither*. Version 1 had only A and B,
and that made its verdict meaningless: noise is "not white paper", so a CycleGAN
trained for 30 steps, whose A->B output is a purple smudge of noise, was called
B 100 % of the time, exactly like the shipped weights. The *neither* class is
trained on what bad translators produce, made fresh for every batch from real
images of both domains:

- the output of a randomly initialised conv net (instance norm, tanh), which is
  what an untrained generator returns;
- real images blurred and drowned in noise (a generator that has learnt colours
  but no shapes), and blends of an A and a B image (half-way translations);
- smooth colour blobs and white noise.

A translation now counts as reaching the target only when it looks like that
domain *and* not like any of those failures. The headline figures are:

- ``a2b_as_b`` / ``b2a_as_a``: the share of translations the judge calls the
  target domain (``a2b_neither`` / ``b2a_neither``: the share it calls neither);
- ``fd_a2b_rel`` / ``fd_b2a_rel``: the Fréchet distance, in the judge's features,
  from the translations to real target images, as a fraction of the distance
  between the two real domains (``fd_domains``): 0 is indistinguishable from the
  target, 1 as far from it as the source domain is, above 1 farther still (noise
  is, now that the features know what noise is).

The raw distances stay (``fd_a2b``, ``fd_b2a``, ``fd_domains``), with cycle L1
(|G_B(G_A(a)) - a|: does the content survive the round trip?) and identity L1
(|G_A(b) - b|: does a generator leave images already in its target domain alone?),
both mean absolute differences on a [0, 1] pixel scale, and the judge's accuracy on
real test images (``real_a_as_a``, ``real_b_as_b``) to show it can be trusted.

The judge sees images at JUDGE_PX (larger ones are area-downsampled), which keeps
training it to about a minute on a 2-core CPU; it is cached under GANZOO_HOME.
It only knows what separates the two training domains and the failures above, so
a high score means "looks like the other domain to a small CNN", not "looks like a
photo to a person": look at the grids too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from ganzoo.data.cache import cached_tensors, progress
from ganzoo.metrics.classifier import SmallClassifier, judge_threads
from ganzoo.metrics.scores import fid

VERSION = 2  # 2: a third class, "neither domain", trained on what bad translators produce; 32 px input
TRAIN_STEPS = 300
BATCH = 32  # images per class per step
JUDGE_PX = 32
A, B, NEITHER = 0, 1, 2


@dataclass(frozen=True)
class TranslationScores:
    a2b_as_b: float  # share of translated A images the judge calls B (not A, not "neither")
    b2a_as_a: float
    fd_a2b_rel: float  # fd_a2b / fd_domains: 0 = as close to B as real B, 1 = as far as real A
    fd_b2a_rel: float
    a2b_neither: float  # share of translated A images the judge calls neither domain
    b2a_neither: float
    fd_a2b: float  # Fréchet distance, in the judge's features, of G_A(a) to real B
    fd_b2a: float
    fd_domains: float  # real A to real B: the gap a translation has to close
    cycle_l1_a: float  # mean |G_B(G_A(a)) - a| on a [0, 1] scale
    cycle_l1_b: float
    identity_l1_a: float  # mean |G_A(b) - b|: G_A should leave B images alone
    identity_l1_b: float
    real_a_as_a: float  # the judge's accuracy on real test images, for reference
    real_b_as_b: float
    count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class DomainJudge(SmallClassifier):
    """SmallClassifier over A / B / neither that first brings images to JUDGE_PX."""

    def __init__(self, channels: int) -> None:
        super().__init__(channels, 3)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] > JUDGE_PX:
            x = nn.functional.interpolate(x, size=(JUDGE_PX, JUDGE_PX), mode="area")
        return self.body(x)


def domain_images(split: Any, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """All (or the first ``limit``) images of each domain of an unpaired split, in [-1, 1]."""
    out = []
    for domain in (split.a, split.b):
        n = len(domain) if limit is None else min(limit, len(domain))
        out.append(torch.stack([domain[i] for i in range(n)]))
    return out[0], out[1]


def _blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Gaussian blur with a per-image sigma (pixels), reflect padding."""
    radius = int(min(3 * float(sigma.max()), x.shape[-1] // 2 - 1)) + 1
    offsets = torch.arange(-radius, radius + 1, dtype=x.dtype)
    kernels = torch.exp(-(offsets.view(1, -1) ** 2) / (2 * sigma.view(-1, 1) ** 2))
    kernels = kernels / kernels.sum(1, keepdim=True)  # (N, K)
    n, c, h, w = x.shape
    flat = nn.functional.pad(x.reshape(1, n * c, h, w), (radius, radius, radius, radius), mode="reflect")
    k = kernels.repeat_interleave(c, 0)
    flat = nn.functional.conv2d(flat, k.view(n * c, 1, 1, -1), groups=n * c)
    flat = nn.functional.conv2d(flat, k.view(n * c, 1, -1, 1), groups=n * c)
    return flat.view(n, c, h, w)


def failures(a: torch.Tensor, b: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """As many "neither domain" images as ``a`` holds, made from real A and B images: what
    untrained, half-trained and broken translators return (see the module docstring)."""
    n, c, h, w = a.shape
    source = torch.where(torch.rand(n, 1, 1, 1, generator=g) < 0.5, a, b)
    kind = torch.randint(4, (n,), generator=g)
    out = torch.empty_like(a)
    # 0: an untrained generator: a random conv net with instance norm, tanh at the end
    pick = kind == 0
    if pick.any():
        x = source[pick]
        width = int(torch.randint(8, 33, (1,), generator=g))
        for depth in range(int(torch.randint(1, 4, (1,), generator=g))):
            weight = torch.randn(width, x.shape[1], 3, 3, generator=g) * (2 / (9 * x.shape[1])) ** 0.5
            x = nn.functional.conv2d(nn.functional.pad(x, (1, 1, 1, 1), mode="reflect"), weight)
            x = nn.functional.relu(nn.functional.instance_norm(x))
        weight = torch.randn(c, width, 3, 3, generator=g) * (1 / (9 * width)) ** 0.5
        x = nn.functional.conv2d(nn.functional.pad(x, (1, 1, 1, 1), mode="reflect"), weight)
        gain = 0.2 + 2.8 * torch.rand(len(x), 1, 1, 1, generator=g)
        shift = (torch.rand(len(x), c, 1, 1, generator=g) * 2 - 1) * 0.8
        out[pick] = torch.tanh(gain * (x - x.mean((1, 2, 3), keepdim=True)) + shift)
    # 1: shapes and colours half learnt: blurred, then noise on top
    pick = kind == 1
    if pick.any():
        x = source[pick]
        x = _blur(x, 0.5 + (w / 16) * torch.rand(len(x), generator=g))
        x = x + (0.05 + 0.45 * torch.rand(len(x), 1, 1, 1, generator=g)) * torch.randn(x.shape, generator=g)
        out[pick] = x
    # 2: half-way between the domains
    pick = kind == 2
    if pick.any():
        alpha = 0.25 + 0.5 * torch.rand(int(pick.sum()), 1, 1, 1, generator=g)
        out[pick] = alpha * a[pick] + (1 - alpha) * b[pick]
    # 3: no image at all: smooth colour blobs, white noise, or both
    pick = kind == 3
    if pick.any():
        m = int(pick.sum())
        cells = int(torch.randint(2, 9, (1,), generator=g))
        coarse = torch.rand(m, c, cells, cells, generator=g) * 2 - 1
        blobs = nn.functional.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=False)
        level = torch.rand(m, 1, 1, 1, generator=g)
        noise = (0.05 + 0.6 * torch.rand(m, 1, 1, 1, generator=g)) * torch.randn(m, c, h, w, generator=g)
        out[pick] = level * blobs + noise + (torch.rand(m, c, 1, 1, generator=g) * 2 - 1) * 0.5
    return out.clamp(-1, 1)


def _judge_size(images: torch.Tensor) -> torch.Tensor:
    """Images as the judge sees them (area-downsampled to JUDGE_PX when larger)."""
    if images.shape[-1] <= JUDGE_PX:
        return images
    return torch.cat([nn.functional.interpolate(images[i : i + 500], size=(JUDGE_PX, JUDGE_PX), mode="area")
                      for i in range(0, len(images), 500)])


@torch.enable_grad()  # callers may be scoring under no_grad when the judge is first needed
@judge_threads()  # the same judge on every machine and under every thread count
def _train(a: torch.Tensor, b: torch.Tensor, seed: int = 0) -> DomainJudge:
    """TRAIN_STEPS of Adam on batches of real A, real B and fresh failures, all at the
    judge's own input size (so the failures cost a quarter of what they would at 64 px)."""
    torch.manual_seed(seed)
    a, b = _judge_size(a), _judge_size(b)
    net = DomainJudge(a.shape[1])
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    labels = torch.cat([torch.full((BATCH,), k) for k in (A, B, NEITHER)]).long()
    g = torch.Generator().manual_seed(seed)
    with progress("training the domain judge (A, B or neither; once, then cached)", TRAIN_STEPS, "steps",
                  delay=0) as done:
        for _ in range(TRAIN_STEPS):
            xa = a[torch.randint(len(a), (BATCH,), generator=g)]
            xb = b[torch.randint(len(b), (BATCH,), generator=g)]
            other = failures(a[torch.randint(len(a), (BATCH,), generator=g)],
                             b[torch.randint(len(b), (BATCH,), generator=g)], g)
            opt.zero_grad()
            nn.functional.cross_entropy(net(torch.cat([xa, xb, other])), labels).backward()
            opt.step()
            done.add(1)
    return net.eval()


def domain_classifier(data: Any) -> DomainJudge:
    """The judge of real A (class 0), real B (class 1) and neither (class 2), trained on the
    training split and cached under GANZOO_HOME."""
    a, b = domain_images(data.train, limit=2_000)
    net = DomainJudge(data.channels)
    key = f"domains-{data.name}-v{VERSION}-px{data.image_size}-c{data.channels}-n{len(a)}x{len(b)}"
    net.load_state_dict(cached_tensors(key, lambda: _train(a, b).state_dict()))
    return net.eval()


@torch.no_grad()
def translation_scores(translate: Any, data: Any, classifier: DomainJudge | None = None,
                       count: int = 200) -> TranslationScores:
    """Score ``translate(images, direction)`` (a2b / b2a, [-1, 1] in and out) on the test split
    (the training split when there is none), up to ``count`` images per domain."""
    classifier = classifier or domain_classifier(data)
    split = data.test if data.test is not None else data.train
    a, b = domain_images(split, limit=count)
    with progress(f"translating {len(a)} + {len(b)} images both ways, round trips and identities", 8 * len(a),
                  "images", delay=0) as done:
        def run(images: torch.Tensor, direction: str) -> torch.Tensor:
            out = translate(images, direction)
            done.add(len(images))
            return out

        fake_b, fake_a = run(a, "a2b"), run(b, "b2a")
        rec_a, rec_b = run(fake_b, "b2a"), run(fake_a, "a2b")
        same_b, same_a = run(b, "a2b"), run(a, "b2a")

    def as_class(images: torch.Tensor, label: int) -> float:
        return float((classifier.predict(images.float()) == label).float().mean())

    def l1(x: torch.Tensor, y: torch.Tensor) -> float:
        return float((x.float() - y.float()).abs().mean() / 2)  # [-1, 1] -> [0, 1] scale

    def fd(x: torch.Tensor, y: torch.Tensor) -> float:
        return fid(classifier.embed(x.float()), classifier.embed(y.float()))

    fd_a2b, fd_b2a, fd_domains = fd(fake_b, b), fd(fake_a, a), fd(a, b)
    return TranslationScores(
        a2b_as_b=as_class(fake_b, B), b2a_as_a=as_class(fake_a, A),
        fd_a2b_rel=fd_a2b / fd_domains, fd_b2a_rel=fd_b2a / fd_domains,
        a2b_neither=as_class(fake_b, NEITHER), b2a_neither=as_class(fake_a, NEITHER),
        fd_a2b=fd_a2b, fd_b2a=fd_b2a, fd_domains=fd_domains,
        cycle_l1_a=l1(rec_a, a), cycle_l1_b=l1(rec_b, b),
        identity_l1_a=l1(same_b, b), identity_l1_b=l1(same_a, a),
        real_a_as_a=as_class(a, A), real_b_as_b=as_class(b, B), count=min(len(a), len(b)),
    )
