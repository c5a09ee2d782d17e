"""``shapes``: procedurally drawn coloured shapes with class labels.

Six classes (circle, square, triangle, star, cross, ring) at random position,
scale, rotation and colour, on plain or noisy backgrounds. Generated in vectorised
chunks (20,000 images: ~2 s at 32 px, ~9 s at 64 px on 2 cores) and cached under
GANZOO_HOME, so later loads take a fraction of a second. A given
(seed, size, image_size) always yields the same images.
"""

from __future__ import annotations

import math

import torch

from ganzoo.data.base import GanData, ImageTensorDataset
from ganzoo.data.cache import Progress, cached_tensors, progress
from ganzoo.data.draw import SHAPES, coverage, hsv_to_rgb, local_coordinates, signed_distance, smooth_noise

VERSION = 1  # bump when the drawing changes: it keys the cache
CHUNK = 2048
TEST_SEED_OFFSET = 7_919_000


def render_shapes(n: int, image_size: int, generator: torch.Generator,
                  done: Progress | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """n labelled images as uint8 (n, 3, S, S) and labels (n,); ``done`` counts them."""
    images, labels = [], []
    for start in range(0, n, CHUNK):
        img, lab = _render_chunk(min(CHUNK, n - start), image_size, generator)
        images.append(img)
        labels.append(lab)
        if done is not None:
            done.add(len(img))
    return torch.cat(images), torch.cat(labels)


def _render_chunk(n: int, size: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    def u(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=g)

    labels = torch.randint(len(SHAPES), (n,), generator=g)
    scale = u(0.3, 0.55)
    room = 0.95 - scale
    cx, cy = (torch.rand(n, generator=g) * 2 - 1) * room, (torch.rand(n, generator=g) * 2 - 1) * room
    angle = u(0, 2 * math.pi)
    px, py = local_coordinates(n, size, cx, cy, scale, angle)
    alpha = coverage(signed_distance(labels, px, py), (2.0 / size) / scale.view(-1, 1, 1)).unsqueeze(1)

    colour = hsv_to_rgb(u(0, 1), u(0.55, 1.0), u(0.75, 1.0)).view(n, 3, 1, 1)
    dark = torch.rand(n, generator=g) < 0.5  # dark or light background, for contrast either way
    bg_value = torch.where(dark, u(0.05, 0.3), u(0.55, 0.75))
    background = hsv_to_rgb(u(0, 1), u(0.0, 0.35), bg_value).view(n, 3, 1, 1).expand(n, 3, size, size)
    noisy = (torch.rand(n, generator=g) < 0.5).view(n, 1, 1, 1).float()
    texture = 0.12 * smooth_noise(n, size, 4, g) + 0.06 * torch.randn(n, 1, size, size, generator=g)
    background = (background + noisy * texture).clamp(0, 1)

    image = background * (1 - alpha) + colour * alpha
    return (image * 255).round_().clamp_(0, 255).to(torch.uint8), labels


def build_shapes(*, seed: int = 0, size: int = 20_000, test_size: int = 2_000, image_size: int | None = None,
                 **_: object) -> GanData:
    image_size = image_size or 32

    def make() -> dict[str, torch.Tensor]:
        with progress(f"drawing shapes at {image_size} px (once; cached)", size + test_size) as done:
            train = render_shapes(size, image_size, torch.Generator().manual_seed(seed), done)
            test = render_shapes(test_size, image_size, torch.Generator().manual_seed(seed + TEST_SEED_OFFSET), done)
        return {"train_x": train[0], "train_y": train[1], "test_x": test[0], "test_y": test[1]}

    t = cached_tensors(f"shapes-v{VERSION}-s{seed}-n{size}-t{test_size}-px{image_size}", make)
    return GanData(
        name="shapes",
        kind="labelled-images",
        train=ImageTensorDataset(t["train_x"], t["train_y"]),
        test=ImageTensorDataset(t["test_x"], t["test_y"]),
        image_size=image_size,
        channels=3,
        class_names=SHAPES,
    )
