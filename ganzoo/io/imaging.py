"""Writing what people look at: image grids and 2D scatter plots as PNG files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from PIL import Image, ImageDraw


def grid_image(images: torch.Tensor, nrow: int = 8, padding: int = 2) -> Image.Image:
    """(N, C, H, W) floats in [-1, 1] as one PIL image, ``nrow`` images per row."""
    from torchvision.utils import make_grid

    grid = make_grid(images.detach().float().cpu().clamp(-1, 1) * 0.5 + 0.5, nrow=nrow, padding=padding, pad_value=1.0)
    array = (grid * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    return Image.fromarray(array if array.shape[2] == 3 else array[:, :, 0])


def save_grid(images: torch.Tensor, path: str | Path, nrow: int = 8) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid_image(images, nrow=nrow).save(path)
    return path


def scatter_image(points: torch.Tensor, centres: torch.Tensor | None = None, size: int = 512,
                  extent: Sequence[float] | None = None) -> Image.Image:
    """2D points as dots (and mode centres as rings) on a white square."""
    pts = points.detach().float().cpu()
    ref = centres if centres is not None and len(centres) else pts
    if extent is None:
        lo, hi = float(ref.min()), float(ref.max())
        pad = 0.25 * (hi - lo) + 0.25
        extent = (lo - pad, hi + pad)
    lo, hi = extent

    def to_px(xy: torch.Tensor) -> torch.Tensor:
        scaled = (xy - lo) / (hi - lo) * (size - 1)
        return torch.stack([scaled[:, 0], size - 1 - scaled[:, 1]], dim=1)

    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    for x, y in to_px(pts).tolist():
        draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=(30, 90, 200))
    if centres is not None:
        for x, y in to_px(centres.float()).tolist():
            draw.ellipse((x - 6, y - 6, x + 6, y + 6), outline=(220, 40, 40), width=2)
    return image


def save_scatter(points: torch.Tensor, path: str | Path, centres: torch.Tensor | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scatter_image(points, centres).save(path)
    return path


def save_samples(samples: torch.Tensor, path: str | Path, data_info: Any, nrow: int = 8) -> Path:
    """The one way generated samples become a picture, used by training, ``sample``, ``export``
    and ``compare`` alike: 2D points as a scatter plot with the data's mode centres (a
    ``DataInfo`` of kind ``points-2d``), anything else as a grid of ``nrow`` images per row."""
    samples = samples.detach().float().cpu()
    if data_info.kind == "points-2d":
        centres = data_info.extra.get("centres")
        return save_scatter(samples, path, torch.tensor(centres) if centres else None)
    return save_grid(samples, path, nrow=nrow)
