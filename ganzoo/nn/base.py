"""Abstract nets. Each records the hyperparameters it was built with, so a
checkpoint can rebuild it without the code that trained it guessing."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn


@dataclass
class DataInfo:
    """What a model needs to know about its data, saved in checkpoints so that
    sampling works without loading the dataset."""

    name: str
    kind: str
    image_size: int | None = None
    channels: int | None = None
    class_names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. mode centres of 2D mixtures

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @classmethod
    def from_data(cls, data: Any) -> DataInfo:
        extra = {k: v.tolist() if isinstance(v, torch.Tensor) else v for k, v in data.info.items()}
        return cls(data.name, data.kind, data.image_size, data.channels, tuple(data.class_names), extra)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Net(nn.Module):
    """A module that remembers its constructor's hyperparameters (``self.hparams``)."""

    def __init__(self, **hparams: Any) -> None:
        super().__init__()
        self.hparams = dict(hparams)


class Generator(Net, ABC):
    """Maps latent vectors (and, for conditional models, class labels) to samples."""

    def __init__(self, latent_dim: int, num_classes: int = 0, **hparams: Any) -> None:
        super().__init__(latent_dim=latent_dim, num_classes=num_classes, **hparams)
        self.latent_dim = latent_dim
        self.num_classes = num_classes

    def sample_latent(self, n: int, generator: torch.Generator | None = None, device: Any = None,
                      truncation: float | None = None) -> torch.Tensor:
        """Standard normal latents; with ``truncation`` t, components beyond +-t are re-drawn."""
        z = torch.randn(n, self.latent_dim, generator=generator)
        if truncation is not None:
            if truncation <= 0:
                raise ValueError("truncation must be positive")
            for _ in range(100):
                outside = z.abs() > truncation
                if not outside.any():
                    break
                z[outside] = torch.randn(int(outside.sum()), generator=generator)
            z = z.clamp(-truncation, truncation)
        return z.to(device) if device is not None else z

    @abstractmethod
    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Samples for latents ``z`` (N, latent_dim), conditioned on ``labels`` (N,) if given."""


class ImageToImageGenerator(Net, ABC):
    """Translates an image batch from one domain to another."""

    @abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Translated images, same shape as ``x``."""


class Discriminator(Net, ABC):
    """Scores samples: raw logits or critic values, one per sample (or per patch)."""

    @abstractmethod
    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Scores for ``x``; conditional discriminators also see ``labels``."""
