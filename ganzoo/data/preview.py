"""A picture of a dataset: what `ganzoo data preview` writes."""

from __future__ import annotations

from pathlib import Path

import torch

from ganzoo.data.base import GanData
from ganzoo.imaging import save_grid, save_scatter

PER_ROW = 8


def preview(data: GanData, out: str | Path, count: int = 64, split: str = "train", seed: int = 0) -> Path:
    """Points as a scatter plot with mode centres; images as a grid; unpaired as A rows then B rows;
    labelled images as one row per class."""
    dataset = data.split(split)
    g = torch.Generator().manual_seed(seed)
    if data.kind == "points-2d":
        picks = torch.randperm(len(dataset), generator=g)[: max(count, 2_500)]
        return save_scatter(torch.stack([dataset[int(i)] for i in picks]), out, data.info.get("centres"))
    if data.kind == "unpaired-images":
        half = max(count // 2, 1)
        a = torch.stack([dataset.a[int(i)] for i in torch.randperm(len(dataset.a), generator=g)[:half]])
        b = torch.stack([dataset.b[int(i)] for i in torch.randperm(len(dataset.b), generator=g)[:half]])
        return save_grid(torch.cat([a, b]), out, nrow=PER_ROW)
    order = torch.randperm(len(dataset), generator=g)
    if data.kind == "labelled-images" and data.num_classes:
        rows: dict[int, list[torch.Tensor]] = {c: [] for c in range(min(data.num_classes, max(count // PER_ROW, 1)))}
        for i in order.tolist():
            image, label = dataset[i]
            if label in rows and len(rows[label]) < PER_ROW:
                rows[label].append(image)
            if all(len(r) == PER_ROW for r in rows.values()):
                break
        images = [img for r in rows.values() for img in r]
        return save_grid(torch.stack(images), out, nrow=PER_ROW)
    return save_grid(torch.stack([dataset[int(i)] for i in order[:count]]), out, nrow=PER_ROW)
