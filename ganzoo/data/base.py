"""What a dataset hands the trainer: a ``GanData`` holding torch datasets of one kind.

Kinds and what one sample is:
    points-2d        a (2,) float tensor
    images           a (C, H, W) float tensor in [-1, 1]
    labelled-images  (image, label)
    unpaired-images  (image_a, image_b), drawn independently from two domains
Built-in sets are generated once into uint8 tensors, so a batch is one indexing
operation (``batch(indices)``), not thousands of Python calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils.data import Dataset

from ganzoo.errors import IncompatibleDataError

__all__ = [
    "GanData",
    "ImageTensorDataset",
    "PointsDataset",
    "UnpairedDataset",
    "accepts",
    "check_compatible",
    "to_unit_range",
]


def to_unit_range(images_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1]."""
    return images_uint8.to(torch.float32).div_(127.5).sub_(1.0)


class PointsDataset(Dataset):
    """2D points held in memory."""

    def __init__(self, points: torch.Tensor) -> None:
        self.points = points.to(torch.float32).contiguous()

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.points[index]

    def batch(self, indices: torch.Tensor) -> torch.Tensor:
        return self.points[indices]

    def to(self, device: torch.device, channels_last: bool = False) -> PointsDataset:
        """The same points held on ``device`` (batches are then cut there)."""
        return PointsDataset(self.points.to(device))


class ImageTensorDataset(Dataset):
    """Images held in memory as uint8 (N, C, H, W), optionally with integer labels."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> None:
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise ValueError("images must be a uint8 tensor of shape (N, C, H, W)")
        self.images = images.contiguous()
        self.labels = None if labels is None else labels.to(torch.long).contiguous()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> Any:
        image = to_unit_range(self.images[index])
        return image if self.labels is None else (image, int(self.labels[index]))

    def raw_item(self, index: int) -> Any:
        """The stored uint8 image (and label), as a loader worker hands it to the stream."""
        return self.images[index] if self.labels is None else (self.images[index], int(self.labels[index]))

    def batch(self, indices: torch.Tensor) -> Any:
        images = to_unit_range(self.images[indices])
        return images if self.labels is None else (images, self.labels[indices])

    def to(self, device: torch.device, channels_last: bool = False) -> ImageTensorDataset:
        """The same uint8 images on ``device``, so a batch is indexed and converted there
        (a quarter of float32's bytes ever cross to it). ``channels_last`` stores them
        NHWC: indexing keeps that layout, so batches need no second copy to reorder."""
        images = self.images.to(device)
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        twin = ImageTensorDataset.__new__(ImageTensorDataset)
        twin.images = images
        twin.labels = None if self.labels is None else self.labels.to(device)
        return twin


class UnpairedDataset(Dataset):
    """Two image domains; item i pairs A[i] with an unrelated B (reshuffled each epoch)."""

    def __init__(self, domain_a: Dataset, domain_b: Dataset, seed: int = 0,
                 device: torch.device | str = "cpu") -> None:
        self.a, self.b = domain_a, domain_b
        self.seed = seed
        self.device = torch.device(device)
        self.set_epoch(0)

    def order(self, epoch: int) -> torch.Tensor:
        """Which B goes with which A in ``epoch``, deterministically per (seed, epoch)."""
        g = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        return torch.randperm(len(self.b), generator=g)

    def set_epoch(self, epoch: int) -> None:
        """Re-draw which B goes with which A for ``epoch`` (batches cut by ``batch``)."""
        self._epoch = epoch
        self._b_order = self.order(epoch).to(self.device)

    def __len__(self) -> int:
        return max(len(self.a), len(self.b))

    def __getitem__(self, index: int | tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Item ``index`` of the current epoch, or ``(epoch, index)``: data loader workers
        outlive epochs, so the stream names the epoch with each index."""
        a, b = self._pair(index)
        return self.a[a], self.b[b]

    def raw_item(self, index: int | tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Like ``[index]`` but as stored (uint8 images from folders), for the stream."""
        a, b = self._pair(index)
        return self.a.raw_item(a), self.b.raw_item(b)

    def _pair(self, index: int | tuple[int, int]) -> tuple[int, int]:
        if isinstance(index, tuple):
            epoch, index = index
            if epoch != self._epoch:
                self._epoch, self._b_order = epoch, self.order(epoch)
        return index % len(self.a), int(self._b_order[index % len(self.b)])

    def to(self, device: torch.device, channels_last: bool = False) -> UnpairedDataset:
        """Both domains (and the pairing) on ``device``."""
        twin = UnpairedDataset.__new__(UnpairedDataset)
        twin.a, twin.b = self.a.to(device, channels_last), self.b.to(device, channels_last)
        twin.seed, twin.device = self.seed, torch.device(device)
        twin.set_epoch(self._epoch)
        return twin

    def batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.a.batch(indices % len(self.a)), self.b.batch(self._b_order[indices % len(self.b)])


@dataclass
class GanData:
    """A loaded dataset: its kind, its splits, and what evaluators need to know about it."""

    name: str
    kind: str
    train: Dataset
    test: Dataset | None = None
    image_size: int | None = None
    channels: int | None = None
    class_names: Sequence[str] = ()
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def in_memory(self) -> bool:
        """True when batches can be cut by indexing (built-ins); folders decode lazily."""
        train = self.train
        if isinstance(train, UnpairedDataset):
            return isinstance(train.a, ImageTensorDataset) and isinstance(train.b, ImageTensorDataset)
        return isinstance(train, (ImageTensorDataset, PointsDataset))

    def split(self, split: str) -> Dataset:
        if split == "train":
            return self.train
        if split == "test" and self.test is not None:
            return self.test
        raise ValueError(f"dataset {self.name!r} has no {split!r} split")

    def describe(self) -> str:
        size = f", {self.image_size}px x {self.channels}ch" if self.image_size else ""
        classes = f", {self.num_classes} classes" if self.class_names else ""
        test = f", test {len(self.test)}" if self.test is not None else ""
        return f"{self.name}: {self.kind}, train {len(self.train)}{test}{size}{classes}"

    def iter_batches(self, batch_size: int, generator: torch.Generator, split: str = "train") -> Iterator[Any]:
        """One shuffled epoch of in-memory batches (drops the last partial batch)."""
        dataset = self.split(split)
        order = torch.randperm(len(dataset), generator=generator)
        for start in range(0, len(order) - batch_size + 1, batch_size):
            yield dataset.batch(order[start : start + batch_size])


def accepts(model_kinds: Sequence[str], data_kind: str) -> bool:
    """Labelled images also serve a model that wants plain images (labels ignored)."""
    return data_kind in model_kinds or (data_kind == "labelled-images" and "images" in model_kinds)


def check_compatible(model: Any, data_kind: str, data_name: str, registry: Any) -> None:
    """Refuse a model/data mismatch before training, naming datasets that would fit."""
    if accepts(model.data_kinds, data_kind):
        return
    fitting = [d.name for d in registry.datasets if accepts(model.data_kinds, d.kind_of_data)]
    raise IncompatibleDataError(
        f"model {model.name!r} trains on {', '.join(model.data_kinds) or 'nothing'}, "
        f"but {data_name!r} is {data_kind}. "
        + (f"Compatible datasets: {', '.join(fitting)}." if fitting else "No registered dataset fits.")
    )
