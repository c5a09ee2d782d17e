"""``sketches2photos``: an unpaired image-to-image set drawn procedurally.

Domain A, *sketches*: wobbly dark outlines of an object with uneven line weight
(sometimes retraced with a second, fainter stroke) on grainy white paper.
Domain B, *photos*: the same six object classes filled with a class-tinted colour,
lit from the upper left (gradient, bevel and a specular highlight), lightly
textured, casting a soft shadow on a two-tone, blotchy background.

Turning A into B means filling, colouring, shading and inventing a background,
and B into A means finding and tracing the outline: not a colour swap. The two
domains and the two splits are drawn from independent random streams, so no
sketch has a paired photo and no test image appears in training.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ganzoo.data.base import GanData, ImageTensorDataset, UnpairedDataset
from ganzoo.data.cache import Progress, cached_tensors, progress
from ganzoo.data.draw import (
    SHAPES,
    coverage,
    hsv_to_rgb,
    local_coordinates,
    signed_distance,
    smooth_noise,
)

VERSION = 1
CHUNK = 1024
#: one independent seed stream per (domain, split)
STREAMS = {("a", "train"): 11, ("b", "train"): 23, ("a", "test"): 37, ("b", "test"): 53}
#: the hue each class tends to have in photos (jittered per image)
CLASS_HUES = (0.0, 0.08, 0.3, 0.14, 0.6, 0.8)


def _layout(n: int, g: torch.Generator) -> tuple[torch.Tensor, ...]:
    labels = torch.randint(len(SHAPES), (n,), generator=g)
    scale = 0.45 + 0.25 * torch.rand(n, generator=g)
    room = 0.92 - scale
    cx = (torch.rand(n, generator=g) * 2 - 1) * room
    cy = (torch.rand(n, generator=g) * 2 - 1) * room
    angle = torch.rand(n, generator=g) * 2 * math.pi
    return labels, scale, cx, cy, angle


def render_sketches(n: int, size: int, g: torch.Generator, done: Progress | None = None) -> torch.Tensor:
    return _render(_sketch_chunk, n, size, g, done)


def render_photos(n: int, size: int, g: torch.Generator, done: Progress | None = None) -> torch.Tensor:
    return _render(_photo_chunk, n, size, g, done)


def _render(chunk: Callable[[int, int, torch.Generator], torch.Tensor], n: int, size: int, g: torch.Generator,
            done: Progress | None) -> torch.Tensor:
    """Chunks of CHUNK images drawn one after another from ``g``: the chunking is part of
    what the images are (each draw is vectorised over a chunk), so it never changes."""
    out = []
    for start in range(0, n, CHUNK):
        out.append(chunk(min(CHUNK, n - start), size, g))
        if done is not None:
            done.add(len(out[-1]))
    return torch.cat(out)


def _to_uint8(image: torch.Tensor) -> torch.Tensor:
    return (image.clamp(0, 1) * 255).round_().to(torch.uint8)


def _sketch_chunk(n: int, size: int, g: torch.Generator) -> torch.Tensor:
    labels, scale, cx, cy, angle = _layout(n, g)
    px, py = local_coordinates(n, size, cx, cy, scale, angle)
    to_pixels = (size / 2) * scale.view(-1, 1, 1)
    theta = torch.atan2(py, px)
    ink = torch.zeros(n, size, size)
    for opacity, retrace in ((1.0, None), (0.45, torch.rand(n, generator=g) < 0.5)):
        wobble = 0.06 * smooth_noise(n, size, 5, g, channels=2)  # a hand that is not a plotter
        dist = signed_distance(labels, px + wobble[:, 0], py + wobble[:, 1]) * to_pixels
        phase = torch.rand(n, 1, 1, generator=g) * 2 * math.pi
        base = size / 64 * (0.6 + 0.7 * torch.rand(n, 1, 1, generator=g))
        half_width = base * (0.55 + 0.45 * torch.sin(3 * theta + phase))  # uneven line weight
        stroke = coverage(dist.abs() - half_width, torch.ones(1)) * opacity
        if retrace is not None:
            stroke = stroke * retrace.view(-1, 1, 1)
        ink = torch.maximum(ink, stroke)
    paper = 0.94 + 0.04 * torch.rand(n, 1, 1, generator=g) + 0.025 * torch.randn(n, size, size, generator=g)
    graphite = 0.12 + 0.12 * torch.rand(n, 1, 1, generator=g)
    grey = paper * (1 - ink) + graphite * ink
    tint = torch.tensor([1.0, 0.99, 0.96]).view(1, 3, 1, 1)  # warm paper
    return _to_uint8(grey.unsqueeze(1) * tint)


def _photo_chunk(n: int, size: int, g: torch.Generator) -> torch.Tensor:
    labels, scale, cx, cy, angle = _layout(n, g)
    px, py = local_coordinates(n, size, cx, cy, scale, angle)
    pixel = (2.0 / size) / scale.view(-1, 1, 1)
    dist = signed_distance(labels, px, py)
    alpha = coverage(dist, pixel).unsqueeze(1)

    # background: vertical two-tone gradient with blotches and grain
    hue_bg = torch.rand(n, generator=g)
    top = hsv_to_rgb(hue_bg, 0.15 + 0.3 * torch.rand(n, generator=g), 0.55 + 0.35 * torch.rand(n, generator=g))
    bottom = hsv_to_rgb(torch.remainder(hue_bg + 0.1, 1), 0.2 + 0.3 * torch.rand(n, generator=g),
                        0.25 + 0.3 * torch.rand(n, generator=g))
    ramp = torch.linspace(0, 1, size).view(1, 1, size, 1)
    background = top.view(n, 3, 1, 1) * (1 - ramp) + bottom.view(n, 3, 1, 1) * ramp
    background = background + 0.1 * smooth_noise(n, size, 6, g) + 0.02 * torch.randn(n, 1, size, size, generator=g)

    # soft shadow: the shape's coverage shifted down-right and blurred by a wide ramp
    shift = size // 16 + 1
    shadow = coverage(dist, pixel * 6).unsqueeze(1)
    shadow = torch.roll(shadow, shifts=(shift, shift), dims=(2, 3))
    background = background * (1 - 0.45 * shadow)

    # object: class-tinted colour, lit from the upper left, bevelled edges, specular spot
    hue = torch.remainder(torch.tensor(CLASS_HUES)[labels] + 0.06 * torch.randn(n, generator=g), 1)
    colour = hsv_to_rgb(hue, 0.6 + 0.35 * torch.rand(n, generator=g), 0.65 + 0.3 * torch.rand(n, generator=g))
    axis = torch.linspace(-1, 1, size)
    gy, gx = torch.meshgrid(axis, axis, indexing="ij")
    light = 1.0 - 0.3 * ((gx - cx.view(-1, 1, 1)) + (gy - cy.view(-1, 1, 1))) / scale.view(-1, 1, 1)
    bevel = 0.6 + 0.4 * (-dist / 0.25).clamp(0, 1)
    spot = torch.exp(-(((gx - cx.view(-1, 1, 1) + 0.35 * scale.view(-1, 1, 1)) ** 2
                        + (gy - cy.view(-1, 1, 1) + 0.35 * scale.view(-1, 1, 1)) ** 2)
                       / (0.02 * scale.view(-1, 1, 1))))
    texture = 1 + 0.07 * smooth_noise(n, size, 12, g)
    shade = (light * bevel).unsqueeze(1) * texture
    obj = colour.view(n, 3, 1, 1) * shade + 0.5 * spot.unsqueeze(1)
    return _to_uint8(background * (1 - alpha) + obj * alpha)


def build_sketches2photos(*, seed: int = 0, size: int = 2_000, test_size: int = 200,
                          image_size: int | None = None, **_: object) -> GanData:
    image_size = image_size or 64

    def make() -> dict[str, torch.Tensor]:
        out = {}
        with progress(f"preparing sketches2photos at {image_size} px (once; cached)", 2 * (size + test_size)) as done:
            for (domain, split), stream in STREAMS.items():
                g = torch.Generator().manual_seed(seed * 1_000 + stream)
                n = size if split == "train" else test_size
                render = render_sketches if domain == "a" else render_photos
                out[f"{split}_{domain}"] = render(n, image_size, g, done)
        return out

    t = cached_tensors(f"sketches2photos-v{VERSION}-s{seed}-n{size}-t{test_size}-px{image_size}", make)
    return GanData(
        name="sketches2photos",
        kind="unpaired-images",
        train=UnpairedDataset(ImageTensorDataset(t["train_a"]), ImageTensorDataset(t["train_b"]), seed=seed),
        test=UnpairedDataset(ImageTensorDataset(t["test_a"]), ImageTensorDataset(t["test_b"]), seed=seed),
        image_size=image_size,
        channels=3,
        info={"domains": ("sketches", "photos")},
    )
