"""Datasets from folders of image files.

Layouts (detected from the folder's contents):
    flat        images directly in the folder              -> images
    classes     one sub-folder of images per class         -> labelled-images
    unpaired    trainA/ and trainB/ (optional testA/, testB/) -> unpaired-images (CycleGAN's layout)

Every file is checked once when the dataset is opened. Unreadable or corrupt files
are skipped with one warning that counts and names them, or are fatal with
``strict=True`` (``--strict-data``). Images are converted correctly whatever their
mode (RGBA and transparent palettes are composited on white; 16-bit greyscale is
scaled, not clipped), resized on the shorter side, centre-cropped and scaled to
[-1, 1]. A folder small enough is decoded once into memory, so training reads
tensors instead of files.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from ganzoo.data.base import GanData, ImageTensorDataset, UnpairedDataset, to_unit_range
from ganzoo.errors import DataError
from ganzoo.folder_scan import (  # noqa: F401
    GREY_MODES,
    IMAGE_EXTENSIONS,
    Scan,
    detect_layout,
    images_in,
    scan,
)

DEFAULT_IMAGE_SIZE = 64
#: decode into memory when the uint8 tensor would be at most this big
PRELOAD_LIMIT_BYTES = 512 * 2**20


class DataWarning(UserWarning):
    """Some files of a dataset were skipped."""


def to_rgb_or_grey(image: Image.Image, channels: int) -> Image.Image:
    """Any PIL image as 'RGB' (channels=3) or 'L' (channels=1), converted correctly."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I") or image.mode == "F":
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if (image.mode.startswith("I;16") or array.max() > 255) else 255.0
        image = Image.fromarray((array / peak * 255).clip(0, 255).round().astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return image.convert("RGB" if channels == 3 else "L")


def resize_and_crop(image: Image.Image, size: int) -> Image.Image:
    """Shorter side to ``size`` (bicubic, antialiased), then a centre crop."""
    w, h = image.size
    scale = size / min(w, h)
    if (w, h) != (size, size):
        image = image.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BICUBIC)
    w, h = image.size
    left, top = (w - size) // 2, (h - size) // 2
    return image.crop((left, top, left + size, top + size))


def decode(path: Path, image_size: int, channels: int) -> torch.Tensor:
    """One file as a uint8 (C, S, S) tensor."""
    try:
        with Image.open(path) as image:
            image = resize_and_crop(to_rgb_or_grey(image, channels), image_size)
            array = np.array(image, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DataError(f"cannot read image {str(path)!r} ({exc}); it was readable when the dataset was opened.") from exc
    tensor = torch.from_numpy(array)
    return tensor.unsqueeze(0) if tensor.dim() == 2 else tensor.permute(2, 0, 1).contiguous()


class FolderImages(Dataset):
    """Image files decoded on access (for folders too big to hold in memory)."""

    def __init__(self, files: list[Path], image_size: int, channels: int, labels: list[int] | None = None) -> None:
        self.files, self.image_size, self.channels, self.labels = files, image_size, channels, labels

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Any:
        image = to_unit_range(decode(self.files[index], self.image_size, self.channels))
        return image if self.labels is None else (image, self.labels[index])

    def raw_item(self, index: int) -> Any:
        """The decoded uint8 image (and label): what a loader worker hands the training
        stream, which converts it to [-1, 1] on the training device."""
        image = decode(self.files[index], self.image_size, self.channels)
        return image if self.labels is None else (image, self.labels[index])

    def preload(self) -> ImageTensorDataset:
        images = torch.stack([decode(f, self.image_size, self.channels) for f in self.files])
        labels = None if self.labels is None else torch.tensor(self.labels)
        return ImageTensorDataset(images, labels)


def _report_bad(found: Scan, strict: bool) -> None:
    if not found.bad:
        return
    names = ", ".join(f"{p.relative_to(found.root)} ({why})" for p, why in found.bad[:5])
    more = f" and {len(found.bad) - 5} more" if len(found.bad) > 5 else ""
    if strict:
        raise DataError(f"{len(found.bad)} unreadable image(s) in {str(found.root)!r}: {names}{more}. "
                        "Remove or fix them, or drop --strict-data to skip them.")
    warnings.warn(f"skipped {len(found.bad)} unreadable image(s) in {str(found.root)!r}: {names}{more} "
                  "(--strict-data makes this an error)", DataWarning, stacklevel=3)


def default_size(found: Scan) -> int:
    """A folder's image size when none is asked for: the smallest power of two that holds the
    images' typical (median) shorter side, from 32 to DEFAULT_IMAGE_SIZE px, so that 28 px digits
    train at 32 px (a quarter of the work of 64 px) and photos at 64 px."""
    sides = sorted(min(size) for size, count in found.sizes.items() for _ in range(count))
    if not sides:
        return DEFAULT_IMAGE_SIZE
    typical, size = sides[len(sides) // 2], 32
    while size < typical and size < DEFAULT_IMAGE_SIZE:
        size *= 2
    return size


def build_folder(path: str | Path, *, image_size: int | None = None, channels: int | None = None,
                 strict: bool = False, seed: int = 0, preload_limit: int = PRELOAD_LIMIT_BYTES,
                 **_: object) -> GanData:
    found = scan(path)
    _report_bad(found, strict)
    size = image_size or default_size(found)
    chans = channels or (1 if found.all_grey else 3)

    def make(files: list[Path], labels: list[int] | None = None) -> Dataset:
        if not files:
            raise DataError(f"no readable images left in {str(found.root)!r} after skipping unreadable files.")
        lazy = FolderImages(files, size, chans, labels)
        return lazy.preload() if len(files) * chans * size * size <= preload_limit else lazy

    name = found.root.name or str(found.root)
    common = dict(name=name, image_size=size, channels=chans, info={"path": str(found.root), "layout": found.layout})
    if found.layout == "flat":
        return GanData(kind="images", train=make(found.groups["images"]), **common)
    if found.layout == "classes":
        classes = [c for c, files in found.groups.items() if files]
        files = [f for c in classes for f in found.groups[c]]
        labels = [i for i, c in enumerate(classes) for _ in found.groups[c]]
        return GanData(kind="labelled-images", train=make(files, labels), class_names=tuple(classes), **common)
    groups = found.groups
    test = None
    if groups.get("testA") and groups.get("testB"):
        test = UnpairedDataset(make(groups["testA"]), make(groups["testB"]), seed=seed)
    return GanData(kind="unpaired-images", train=UnpairedDataset(make(groups["trainA"]), make(groups["trainB"]), seed=seed),
                   test=test, **common)
