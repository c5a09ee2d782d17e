"""Datasets by registered name or by path: ``load("shapes")``, ``load("./horses2zebras")``.

A registered name is built by its spec's builder (plugins add datasets through the
``ganzoo_register_datasets`` hook); anything that looks like a path, or exists as
one, is read as an image folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ganzoo.data.base import GanData, ImageTensorDataset, PointsDataset, UnpairedDataset, accepts, check_compatible
from ganzoo.data.folders import build_folder
from ganzoo.data.transforms import convert_channels
from ganzoo.errors import UnknownDatasetError
from ganzoo.folder_scan import detect_layout
from ganzoo.host import get_host
from ganzoo.paths import is_path
from ganzoo.registry import load_builder

__all__ = [
    "GanData",
    "ImageTensorDataset",
    "PointsDataset",
    "UnpairedDataset",
    "accepts",
    "check_compatible",
    "is_path",
    "load",
]


def load(data: str | Path, *, seed: int = 0, image_size: int | None = None, channels: int | None = None,
         strict: bool = False, registry: Any = None, **options: Any) -> GanData:
    """Load a dataset by registered name or folder path, at the requested size and channels."""
    if channels is not None and channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, not {channels}")
    if is_path(data):
        return build_folder(data, seed=seed, image_size=image_size, channels=channels, strict=strict, **options)
    if registry is None:
        registry = get_host().registry
    try:
        spec = registry.datasets.get(str(data))
    except UnknownDatasetError as err:
        err.args = (str(err) + " Or pass a folder path (./my-images).",)
        raise
    loaded: GanData = load_builder(spec.builder)(**{**spec.options, **options, "seed": seed, "image_size": image_size})
    if channels is not None and loaded.channels is not None and channels != loaded.channels:
        _convert(loaded, channels)
    return loaded


#: a folder's layout (ganzoo.folder_scan.detect_layout) -> the kind of data it loads as
LAYOUT_KINDS = {"flat": "images", "classes": "labelled-images", "unpaired": "unpaired-images"}


def kind_of(data: str | Path, registry: Any = None) -> str:
    """The kind of data ``data`` names, without preparing it: a registered dataset's
    ``kind_of_data``, or a folder's layout (a directory listing; no image is decoded), so
    that a model/data mismatch is refused before any data is drawn or cached."""
    if is_path(data):
        return LAYOUT_KINDS[detect_layout(Path(data).expanduser())]
    if registry is None:
        registry = get_host().registry
    try:
        return registry.datasets.get(str(data)).kind_of_data
    except UnknownDatasetError as err:
        err.args = (str(err) + " Or pass a folder path (./my-images).",)
        raise


def _convert(data: GanData, channels: int) -> None:
    """Change the channel count of an in-memory image dataset in place."""
    def fix(ds: Any) -> None:
        if isinstance(ds, UnpairedDataset):
            fix(ds.a)
            fix(ds.b)
        elif isinstance(ds, ImageTensorDataset):
            ds.images = convert_channels(ds.images, channels)

    fix(data.train)
    if data.test is not None:
        fix(data.test)
    data.channels = channels
