"""Translate image files with an image-to-image model, keeping their names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ganzoo.artifacts.loading import LoadedModel, require_translator, translate
from ganzoo.data.base import to_unit_range
from ganzoo.data.folders import IMAGE_EXTENSIONS, decode, images_in
from ganzoo.errors import DataError
from ganzoo.io.imaging import save_grid

BATCH = 16
GRID_ROWS = 8
OPPOSITE = {"a2b": "b2a", "b2a": "a2b"}


def _inputs(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files, _ = images_in(path)
    if not files:
        raise DataError(f"no images in {str(path)!r} (looked for {', '.join(sorted(IMAGE_EXTENSIONS))}).")
    return files


def _to_pil(image: torch.Tensor) -> Image.Image:
    array = ((image.float().clamp(-1, 1) * 0.5 + 0.5) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    return Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else np.ascontiguousarray(array))


@torch.no_grad()
def translate_files(loaded: LoadedModel, source: Path, out: Path, direction: str = "a2b",
                    grid: bool = False) -> tuple[list[Path], Path | None]:
    """Translate every image in ``source`` into ``out`` under the same file name; with ``grid``,
    also write ``out/grid.png`` with rows of input | translation | reconstruction."""
    require_translator(loaded)  # before reading any file
    info = loaded.data_info
    files = _inputs(source)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows: list[torch.Tensor] = []
    for start in range(0, len(files), BATCH):
        chunk = files[start : start + BATCH]
        x = to_unit_range(torch.stack([decode(f, info.image_size, info.channels) for f in chunk]))
        y = translate(loaded, x, direction)
        for file, image in zip(chunk, y):
            target = out / file.name
            _to_pil(image).save(target)
            written.append(target)
        if grid and len(rows) < GRID_ROWS * 3:
            back = translate(loaded, y, OPPOSITE[direction])
            for triple in zip(x, y, back):
                rows.extend(triple)
    grid_path = save_grid(torch.stack(rows[: GRID_ROWS * 3]), out / "grid.png", nrow=3) if grid else None
    return written, grid_path
