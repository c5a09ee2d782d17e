"""How well an image-to-image model translates, judged without paired ground truth.

A *domain classifier* (the small CNN of ``ganzoo.metrics.classifier``, two classes)
is trained on real A versus real B. It calls G_A(a) "B" or "A"; but noise is "not
white paper", so even an untrained generator's output is mostly called B. The
stricter figure is the Fréchet distance, in that classifier's features, between
the translations and real images of the target domain, beside the distance
between the two real domains (the gap a translation has to close). Cycle L1 (|G_B(G_A(a)) - a|) says
whether the content survives the round trip, identity L1 (|G_A(b) - b|) whether a
generator leaves images already in its target domain alone. L1 figures are mean
absolute differences on a [0, 1] pixel scale.

The classifier only knows what separates the two training domains (for
sketches2photos: colour, shading, a background), so a high score means "looks like
the other domain to a small CNN", not "looks like a photo to a person": look at the
grids too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from ganzoo.data.cache import cached_tensors
from ganzoo.metrics.classifier import SmallClassifier
from ganzoo.metrics.scores import fid

VERSION = 1
TRAIN_STEPS = 300
BATCH = 64


@dataclass(frozen=True)
class TranslationScores:
    a2b_as_b: float  # fraction of translated A images the domain classifier calls B
    b2a_as_a: float
    fd_a2b: float  # Fréchet distance, in the classifier's features, of G_A(a) to real B
    fd_b2a: float
    fd_domains: float  # real A to real B: the gap a translation has to close
    cycle_l1_a: float  # mean |G_B(G_A(a)) - a| on a [0, 1] scale
    cycle_l1_b: float
    identity_l1_a: float  # mean |G_A(b) - b|: G_A should leave B images alone
    identity_l1_b: float
    real_a_as_a: float  # the classifier's accuracy on real test images, for reference
    real_b_as_b: float
    count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def domain_images(split: Any, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """All (or the first ``limit``) images of each domain of an unpaired split, in [-1, 1]."""
    out = []
    for domain in (split.a, split.b):
        n = len(domain) if limit is None else min(limit, len(domain))
        out.append(torch.stack([domain[i] for i in range(n)]))
    return out[0], out[1]


@torch.enable_grad()
def _train(a: torch.Tensor, b: torch.Tensor, seed: int = 0) -> SmallClassifier:
    torch.manual_seed(seed)
    net = SmallClassifier(a.shape[1], 2)
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    images = torch.cat([a, b])
    labels = torch.cat([torch.zeros(len(a)), torch.ones(len(b))]).long()
    g = torch.Generator().manual_seed(seed)
    for _ in range(TRAIN_STEPS):
        pick = torch.randint(len(images), (BATCH,), generator=g)
        opt.zero_grad()
        nn.functional.cross_entropy(net(images[pick]), labels[pick]).backward()
        opt.step()
    return net.eval()


def domain_classifier(data: Any) -> SmallClassifier:
    """A classifier of real A (class 0) versus real B (class 1), trained on the training
    split and cached under GANZOO_HOME."""
    a, b = domain_images(data.train, limit=2_000)
    net = SmallClassifier(data.channels, 2)
    key = f"domains-{data.name}-v{VERSION}-px{data.image_size}-c{data.channels}-n{len(a)}x{len(b)}"
    net.load_state_dict(cached_tensors(key, lambda: _train(a, b).state_dict()))
    return net.eval()


@torch.no_grad()
def translation_scores(translate: Any, data: Any, classifier: SmallClassifier | None = None,
                       count: int = 200) -> TranslationScores:
    """Score ``translate(images, direction)`` (a2b / b2a, [-1, 1] in and out) on the test split."""
    classifier = classifier or domain_classifier(data)
    split = data.test if data.test is not None else data.train
    a, b = domain_images(split, limit=count)
    fake_b, fake_a = translate(a, "a2b"), translate(b, "b2a")
    rec_a, rec_b = translate(fake_b, "b2a"), translate(fake_a, "a2b")

    def as_class(images: torch.Tensor, label: int) -> float:
        return float((classifier.predict(images.float()) == label).float().mean())

    def l1(x: torch.Tensor, y: torch.Tensor) -> float:
        return float((x.float() - y.float()).abs().mean() / 2)  # [-1, 1] -> [0, 1] scale

    def fd(x: torch.Tensor, y: torch.Tensor) -> float:
        return fid(classifier.embed(x.float()), classifier.embed(y.float()))

    return TranslationScores(
        a2b_as_b=as_class(fake_b, 1), b2a_as_a=as_class(fake_a, 0),
        fd_a2b=fd(fake_b, b), fd_b2a=fd(fake_a, a), fd_domains=fd(a, b),
        cycle_l1_a=l1(rec_a, a), cycle_l1_b=l1(rec_b, b),
        identity_l1_a=l1(translate(b, "a2b"), b), identity_l1_b=l1(translate(a, "b2a"), a),
        real_a_as_a=as_class(a, 0), real_b_as_b=as_class(b, 1), count=min(len(a), len(b)),
    )
