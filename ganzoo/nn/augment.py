"""Differentiable augmentation of what the discriminator sees (DiffAugment, and ADA's adaptive p).

With little data, D memorises the training images and G's gradients stop meaning
anything. Zhao et al. (2020, "Differentiable Augmentation for Data-Efficient GAN
Training") augment *every* image D judges, real and fake alike, in D's step and in
G's step, with transforms made of plain tensor ops, so G's gradient flows back
through them. Karras et al. (2020, "Training Generative Adversarial Networks with
Limited Data") apply each transform with a probability p per image and tune p from
how sure D is about the reals, r_t = E[sign D(real)]: above the target (0.6) D is
overfitting and p rises; below it p falls.

The policies follow DiffAugment's reference code: ``color`` (random brightness,
saturation and contrast), ``translation`` (up to 1/8 of the image, zero padding) and
``cutout`` (a zeroed square of half the image's size). Each image draws its own
transform from torch's RNG on the images' device, so a checkpoint's RNG state covers
it and a resumed run draws the same transforms. Real and fake images go through the
same function: the *same distribution* of transforms, drawn independently per image.

Images are (N, C, H, W) in [-1, 1]. The adaptive p is a tensor on the device, moved
only by tensor ops, so a training step never waits for the device to read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
import torch.nn.functional as F

from ganzoo.errors import GanzooError

Transform = Callable[[torch.Tensor], torch.Tensor]


def _uniform(x: torch.Tensor) -> torch.Tensor:
    """One U(0, 1) draw per image, shaped to broadcast over (C, H, W)."""
    return torch.rand(len(x), 1, 1, 1, device=x.device, dtype=x.dtype)


def brightness(x: torch.Tensor) -> torch.Tensor:
    return x + (_uniform(x) - 0.5)


def saturation(x: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (_uniform(x) * 2) + mean


def contrast(x: torch.Tensor) -> torch.Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform(x) + 0.5) + mean


def translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size in x and y; what moves in is zero."""
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device)
    gb, gy, gx = torch.meshgrid(torch.arange(n, device=x.device), torch.arange(h, device=x.device),
                                torch.arange(w, device=x.device), indexing="ij")
    gy = (gy + dy + 1).clamp(0, h + 1)  # +1: index into the zero-padded image
    gx = (gx + dx + 1).clamp(0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)
    return padded[gb, gy, gx].permute(0, 3, 1, 2)  # a gather: differentiable w.r.t. x


def cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero a square of ``ratio`` of the image's size at a random place (it may overhang the edge)."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device)
    ox = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device)
    gb, gy, gx = torch.meshgrid(torch.arange(n, device=x.device), torch.arange(ch, device=x.device),
                                torch.arange(cw, device=x.device), indexing="ij")
    gy = (gy + oy - ch // 2).clamp(0, h - 1)
    gx = (gx + ox - cw // 2).clamp(0, w - 1)
    mask = torch.ones(n, h, w, device=x.device, dtype=x.dtype)
    mask[gb, gy, gx] = 0
    return x * mask.unsqueeze(1)


#: policy name -> its transforms, applied in this order
POLICIES: dict[str, tuple[Transform, ...]] = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def parse_policy(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"color,translation"`` -> ``("color", "translation")``; an unknown name is an error."""
    names = tuple(n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip())
    bad = [n for n in names if n not in POLICIES]
    if bad or not names:
        raise AugmentError(f"augment_policy {','.join(names) or '(empty)'!r}: use a comma-separated list of "
                           f"{', '.join(POLICIES)}.")
    return names


def diff_augment(x: torch.Tensor, policy: Iterable[str], p: torch.Tensor | float | None = None) -> torch.Tensor:
    """``x`` through every transform of ``policy``; with ``p``, each transform is applied to
    each image with probability ``p`` (the draws happen either way, so the RNG use is the same)."""
    for name in policy:
        for transform in POLICIES[name]:
            out = transform(x)
            if p is not None:
                chosen = torch.rand(len(x), 1, 1, 1, device=x.device) < p
                out = torch.where(chosen, out, x)
            x = out
    return x


class AugmentError(GanzooError, ValueError):
    """Augmentation asked for where it cannot work, or with settings it does not take."""


class Augment:
    """What ``StepContext.augment`` calls: the identity (``none``), DiffAugment every time
    (``diffaugment``), or DiffAugment with an adaptive probability p (``ada``).

    For ``ada`` the step reports D's scores on the reals it judged (``observe``); every
    ``interval`` reports, p moves by ``sign(r_t - target) * images / (kimg * 1000)``, so
    p could go from 0 to 1 in ``kimg`` thousand real images, and is clamped to [0, 1].
    Under DistributedDataParallel the ranks add their sign counts before adjusting, so
    every rank keeps the same p.
    """

    def __init__(self, mode: str = "none", policy: Iterable[str] = tuple(POLICIES), *, device: torch.device | str = "cpu",
                 target: float = 0.6, kimg: float = 100, interval: int = 4) -> None:
        if mode not in ("none", "diffaugment", "ada"):
            raise AugmentError(f"augment must be none, diffaugment or ada, not {mode!r}.")
        self.mode, self.policy = mode, parse_policy(policy)
        self.target, self.kimg, self.interval = float(target), float(kimg), int(interval)
        device = torch.device(device)
        self.p = torch.zeros((), device=device)
        self.r_t = torch.zeros((), device=device)  # the last adjustment's E[sign D(real)]
        self._signs = torch.zeros((), device=device)
        self._seen = 0  # real scores since the last adjustment (a host count: shapes, no sync)
        self._reports = 0

    @property
    def enabled(self) -> bool:
        return self.mode != "none"

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if self.mode == "none":
            return images
        return diff_augment(images, self.policy, self.p if self.mode == "ada" else None)

    def observe(self, real_scores: torch.Tensor) -> None:
        """D's scores on (augmented) real images; only ``ada`` uses them."""
        if self.mode != "ada":
            return
        self._signs = self._signs + real_scores.detach().float().sign().sum()
        self._seen += real_scores.numel()
        self._reports += 1
        if self._reports % self.interval == 0:
            self._adjust()

    def _adjust(self) -> None:
        stats = torch.stack([self._signs, torch.tensor(float(self._seen), device=self._signs.device)])
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.all_reduce(stats)  # on the device: no host sync
        self.r_t = stats[0] / stats[1].clamp(min=1)
        step = stats[1] / (self.kimg * 1000)
        self.p = (self.p + torch.sign(self.r_t - self.target) * step).clamp(0.0, 1.0)
        self._signs = torch.zeros_like(self._signs)
        self._seen = 0

    def figures(self) -> dict[str, torch.Tensor]:
        """What the Trainer logs with each step: ``aug_p`` and ``aug_rt`` under ``ada``."""
        if self.mode != "ada":
            return {}
        return {"aug_p": self.p.detach().clone(), "aug_rt": self.r_t.detach().clone()}

    def state_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "p": self.p.detach().cpu(), "r_t": self.r_t.detach().cpu(),
                "signs": self._signs.detach().cpu(), "seen": self._seen, "reports": self._reports}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore p and the running sign count (a checkpoint without them keeps p = 0)."""
        device = self.p.device
        if not state:
            return
        self.p = torch.as_tensor(state["p"]).float().to(device)
        self.r_t = torch.as_tensor(state.get("r_t", 0.0)).float().to(device)
        self._signs = torch.as_tensor(state.get("signs", 0.0)).float().to(device)
        self._seen, self._reports = int(state.get("seen", 0)), int(state.get("reports", 0))


def refuse_augment(mode: str | None, data_kind: str | None, model: Any = None) -> None:
    """Refuse ``--augment`` on data other than images, or with a model whose D step does not
    augment what D sees; ``data_kind`` or ``model`` None: that part is not checked yet."""
    if mode in (None, "none"):
        return
    if data_kind is not None and data_kind not in ("images", "labelled-images"):
        raise AugmentError(f"--augment works on images, and this run trains on {data_kind} data: drop --augment.")
    if model is not None and not getattr(model, "augments", False):
        raise AugmentError(f"model {type(model).__name__} does not augment what its discriminator sees: "
                           "drop --augment (see docs/training.md for the models that do).")


def augment_for(config: Mapping[str, Any], model: Any, data_kind: str, device: torch.device) -> Augment:
    """The run's ``Augment`` from its settings, refusing a model or data it cannot work with."""
    mode = config.get("augment", "none")
    refuse_augment(mode, data_kind, model)
    return Augment(mode, config.get("augment_policy", ",".join(POLICIES)), device=device,
                   target=config.get("ada_target", 0.6), kimg=config.get("ada_kimg", 100),
                   interval=config.get("ada_interval", 4))
