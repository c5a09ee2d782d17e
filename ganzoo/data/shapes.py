"""``shapes``: procedurally drawn coloured shapes with class labels.

Six classes (circle, square, triangle, star, cross, ring) at random position,
scale, rotation and colour, on plain or noisy backgrounds. ``render_none`` draws, in the
same poses, colours and backgrounds, shapes that are none of the six: what a judge that
may answer "none of these" learns from (``ganzoo.metrics.shape_reader``). Generated in
vectorised chunks (20,000 images: ~2 s at 32 px, ~9 s at 64 px on 2 cores) and cached under
GANZOO_HOME, so later loads take a fraction of a second. A given
(seed, size, image_size) always yields the same images.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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
    return _render(n, image_size, generator, signed_distance, done)


def render_told(n: int, image_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n uint8 images exactly as ``render_shapes`` draws them with the same generator, and the
    parameters that drew each, (n, 18) floats: the class one-hot (6), scale, centre x and y,
    the angle's cosine and sine, the shape's and the background's RGB in [0, 1] and whether
    the background is noisy (its noise itself is not among them). What a generator must
    draw when it is told exactly what to draw (``bench/decoder_ceiling.py --told parameters``)."""
    images, _, parameters = _render(n, image_size, generator, signed_distance, with_parameters=True)
    return images, parameters


def render_none(n: int, image_size: int, generator: torch.Generator) -> torch.Tensor:
    """n uint8 images of shapes that are none of the six, posed, coloured and set on
    backgrounds exactly as ``shapes`` draws its own: 40 % in-between shapes (the distance
    fields of two classes mixed 35-65 %, as a generator morphing from one to the other
    draws them), 25 % lumpy blobs (a circle whose radius wanders with angle), 25 % ovals
    and eggs (round, but no circle) and 10 % backgrounds with nothing on them. So a judge
    trained to tell them from the six can only use the outline. The outlines draw on a
    generator of their own, so the same seed poses, colours and backgrounds them exactly as
    ``render_shapes`` does its shapes."""
    outlines = torch.Generator().manual_seed(generator.initial_seed() + 1)

    def none_distance(labels: torch.Tensor, px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
        count = len(labels)
        other = (labels + torch.randint(1, len(SHAPES), (count,), generator=outlines)) % len(SHAPES)
        mix = (0.35 + 0.3 * torch.rand(count, generator=outlines)).view(-1, 1, 1)
        morph = mix * signed_distance(labels, px, py) + (1 - mix) * signed_distance(other, px, py)
        rho, theta = torch.sqrt(px**2 + py**2), torch.atan2(py, px)
        radius = torch.full_like(px, 0.8)
        for harmonic in (2, 3, 4, 5):
            amplitude = 0.8 * (0.10 + 0.15 * torch.rand(count, generator=outlines)).view(-1, 1, 1)
            phase = (2 * math.pi * torch.rand(count, generator=outlines)).view(-1, 1, 1)
            radius = radius + amplitude * torch.cos(harmonic * theta + phase)
        blob = rho - radius
        stretch = 0.8 * (0.08 + 0.12 * torch.rand(count, generator=outlines)).view(-1, 1, 1)
        lean = 0.8 * 0.06 * torch.rand(count, generator=outlines).view(-1, 1, 1)
        egg = rho - (0.8 + stretch * torch.cos(2 * theta) + lean * torch.cos(3 * theta))
        kind = torch.rand(count, generator=outlines).view(-1, 1, 1)
        drawn = torch.where(kind < 0.4, morph, torch.where(kind < 0.65, blob, egg))
        return torch.where(kind < 0.9, drawn, torch.full_like(blob, 10.0))

    return _render(n, image_size, generator, none_distance)[0]


Distance = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]  # (labels, x, y) -> SDF


def _render(n: int, size: int, g: torch.Generator, distance: Distance, done: Progress | None = None,
            with_parameters: bool = False) -> tuple[torch.Tensor, ...]:
    """n images drawn CHUNK at a time with ``distance`` as the outline, their labels and,
    ``with_parameters``, what drew them (``render_told``)."""
    parts: list[tuple[torch.Tensor, ...]] = []
    for start in range(0, n, CHUNK):
        parts.append(_render_chunk(min(CHUNK, n - start), size, g, distance))
        if done is not None:
            done.add(len(parts[-1][0]))
    return tuple(torch.cat(column) for column in zip(*parts))[:3 if with_parameters else 2]


def _render_chunk(n: int, size: int, g: torch.Generator,
                  distance: Distance) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    def u(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, generator=g)

    labels = torch.randint(len(SHAPES), (n,), generator=g)
    scale = u(0.3, 0.55)
    room = 0.95 - scale
    cx, cy = (torch.rand(n, generator=g) * 2 - 1) * room, (torch.rand(n, generator=g) * 2 - 1) * room
    angle = u(0, 2 * math.pi)
    px, py = local_coordinates(n, size, cx, cy, scale, angle)
    alpha = coverage(distance(labels, px, py), (2.0 / size) / scale.view(-1, 1, 1)).unsqueeze(1)

    colour = hsv_to_rgb(u(0, 1), u(0.55, 1.0), u(0.75, 1.0)).view(n, 3, 1, 1)
    dark = torch.rand(n, generator=g) < 0.5  # dark or light background, for contrast either way
    bg_value = torch.where(dark, u(0.05, 0.3), u(0.55, 0.75))
    background_colour = hsv_to_rgb(u(0, 1), u(0.0, 0.35), bg_value)
    background = background_colour.view(n, 3, 1, 1).expand(n, 3, size, size)
    noisy = (torch.rand(n, generator=g) < 0.5).view(n, 1, 1, 1).float()
    texture = 0.12 * smooth_noise(n, size, 4, g) + 0.06 * torch.randn(n, 1, size, size, generator=g)
    background = (background + noisy * texture).clamp(0, 1)

    image = background * (1 - alpha) + colour * alpha
    parameters = torch.cat([torch.nn.functional.one_hot(labels, len(SHAPES)).float(),
                            torch.stack([scale, cx, cy, torch.cos(angle), torch.sin(angle)], 1), colour.view(n, 3),
                            background_colour.view(n, 3), noisy.view(n, 1)], 1)
    return (image * 255).round_().clamp_(0, 255).to(torch.uint8), labels, parameters


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
