"""``mnist``, ``fashion-mnist``, ``cifar10`` through torchvision, downloaded into
``GANZOO_HOME/data/torchvision``.

Offline, torchvision's download fails within milliseconds and leaves empty folders;
this turns that into a message saying where to put the files, and removes the
folders it created.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ganzoo.data.base import GanData, ImageTensorDataset
from ganzoo.data.transforms import resize_uint8
from ganzoo.errors import DatasetUnavailableError
from ganzoo.paths import data_dir


@dataclass(frozen=True)
class _Source:
    cls: str
    files: tuple[str, ...]  # what torchvision looks for, relative to the root
    classes: tuple[str, ...]


_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
SOURCES = {
    "mnist": _Source("MNIST", tuple(f"MNIST/raw/{f}" for f in _MNIST_FILES), tuple(str(d) for d in range(10))),
    "fashion-mnist": _Source(
        "FashionMNIST",
        tuple(f"FashionMNIST/raw/{f}" for f in _MNIST_FILES),
        ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"),
    ),
    "cifar10": _Source(
        "CIFAR10",
        ("cifar-10-batches-py/data_batch_1..5", "cifar-10-batches-py/test_batch", "cifar-10-batches-py/batches.meta"),
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    ),
}


def root() -> Path:
    return data_dir() / "torchvision"


def _folders(path: Path) -> set[Path]:
    return {p for p in path.rglob("*") if p.is_dir()} if path.exists() else set()


def _remove_new_empty_folders(base: Path, before: set[Path], base_existed: bool) -> None:
    for folder in sorted(_folders(base) - before, key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not base_existed and base.exists() and not any(base.iterdir()):
        base.rmdir()


def _load(name: str, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    import torchvision.datasets as tvd

    source = SOURCES[name]
    base = root()
    before, base_existed = _folders(base), base.exists()
    try:
        dataset = getattr(tvd, source.cls)(str(base), train=train, download=True)
    except Exception as exc:  # noqa: BLE001 - torchvision raises URLError, RuntimeError, OSError...
        _remove_new_empty_folders(base, before, base_existed)
        files = "\n  ".join(str(base / f) for f in source.files)
        lines = [line.strip(" <>:") for line in str(exc).splitlines() if line.strip(" <>:")]
        reason = next((line for line in lines if "Errno" in line or "urlopen" in line), lines[0] if lines else type(exc).__name__)
        raise DatasetUnavailableError(
            f"could not download {name!r} ({reason}). Offline, put the files "
            f"torchvision expects here:\n  {files}\nor train on a folder of images "
            "(--data PATH). Offline built-ins: ring, grid, shapes, digits, sketches2photos."
        ) from exc
    data = dataset.data
    images = torch.as_tensor(data)
    images = images.unsqueeze(1) if images.dim() == 3 else images.permute(0, 3, 1, 2)  # NHWC -> NCHW
    return images.contiguous(), torch.as_tensor(dataset.targets, dtype=torch.long)


def build_torchvision(name: str, *, image_size: int | None = None, **_: object) -> GanData:
    train_x, train_y = _load(name, train=True)
    test_x, test_y = _load(name, train=False)
    size = image_size or 32
    return GanData(
        name=name,
        kind="labelled-images",
        train=ImageTensorDataset(resize_uint8(train_x, size), train_y),
        test=ImageTensorDataset(resize_uint8(test_x, size), test_y),
        image_size=size,
        channels=train_x.shape[1],
        class_names=SOURCES[name].classes,
    )


def build_mnist(**kw: object) -> GanData:
    return build_torchvision("mnist", **kw)


def build_fashion_mnist(**kw: object) -> GanData:
    return build_torchvision("fashion-mnist", **kw)


def build_cifar10(**kw: object) -> GanData:
    return build_torchvision("cifar10", **kw)
