"""Vectorised drawing of shapes with signed distance functions (SDFs).

A shape is an SDF over 2D points: negative inside, positive outside, in units of
the shape's radius. Rendering a batch is a handful of tensor operations over a
(N, H, W) coordinate grid, so thousands of images take a second. Edges are
anti-aliased by mapping distance-in-pixels through a clamp (a one-pixel ramp).
"""

from __future__ import annotations

import math

import torch

#: Shape classes shared by ``shapes`` and ``sketches2photos``.
SHAPES = ("circle", "square", "triangle", "star", "cross", "ring")


def _box(px: torch.Tensor, py: torch.Tensor, hx: float, hy: float) -> torch.Tensor:
    dx, dy = px.abs() - hx, py.abs() - hy
    outside = torch.sqrt(dx.clamp(min=0) ** 2 + dy.clamp(min=0) ** 2)
    return outside + torch.maximum(dx, dy).clamp(max=0)


def _triangle(px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Equilateral triangle of circumradius ~1, pointing up (exact SDF, after Quilez)."""
    r = 0.8
    k = math.sqrt(3.0)
    py = -py + r / 2  # image y grows downwards; shift so the centroid sits at the origin
    px = px.abs() - r
    py = py + r / k
    flip = px + k * py > 0
    qx = torch.where(flip, (px - k * py) / 2, px)
    qy = torch.where(flip, (-k * px - py) / 2, py)
    qx = qx - qx.clamp(-2 * r, 0)
    return -torch.sqrt(qx**2 + qy**2) * torch.sign(qy)


def _star(px: torch.Tensor, py: torch.Tensor, points: int = 5, inner: float = 0.45) -> torch.Tensor:
    """Star with outer radius 1: distance to a boundary whose radius zig-zags with angle."""
    theta = torch.atan2(py, px) + math.pi / 2
    sector = 2 * math.pi / points
    t = torch.remainder(theta, sector) / sector  # 0..1 within one point
    radius = 1.0 - (1.0 - inner) * (1 - (2 * t - 1).abs())  # 1 at the tips, `inner` between
    return (torch.sqrt(px**2 + py**2) - radius) * 0.7  # ~Lipschitz-corrected


def sdf(shape: int, px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Signed distance of shape class ``shape`` (index into SHAPES) at local coordinates."""
    name = SHAPES[shape]
    if name == "circle":
        return torch.sqrt(px**2 + py**2) - 0.9
    if name == "square":
        return _box(px, py, 0.75, 0.75)
    if name == "triangle":
        return _triangle(px, py * 1.15 - 0.1)
    if name == "star":
        return _star(px, py)
    if name == "cross":
        return torch.minimum(_box(px, py, 0.95, 0.3), _box(px, py, 0.3, 0.95))
    if name == "ring":
        return (torch.sqrt(px**2 + py**2) - 0.7).abs() - 0.22
    raise ValueError(name)


def local_coordinates(n: int, size: int, cx: torch.Tensor, cy: torch.Tensor, scale: torch.Tensor,
                      angle: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel centres of n images mapped into each shape's frame (translate, rotate, scale)."""
    axis = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 - 1  # [-1, 1]
    gy, gx = torch.meshgrid(axis, axis, indexing="ij")
    x = gx.expand(n, size, size) - cx.view(-1, 1, 1)
    y = gy.expand(n, size, size) - cy.view(-1, 1, 1)
    cos, sin = torch.cos(angle).view(-1, 1, 1), torch.sin(angle).view(-1, 1, 1)
    s = scale.view(-1, 1, 1)
    return (cos * x + sin * y) / s, (-sin * x + cos * y) / s


def signed_distance(labels: torch.Tensor, px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Per-image SDF for a batch whose images have different shape classes."""
    out = torch.empty_like(px)
    for shape in labels.unique().tolist():
        idx = (labels == shape).nonzero().flatten()
        out[idx] = sdf(shape, px[idx], py[idx])
    return out


def coverage(distance: torch.Tensor, pixel: torch.Tensor) -> torch.Tensor:
    """Anti-aliased inside-ness in [0, 1] from a distance field and the pixel size (same units)."""
    return (0.5 - distance / pixel).clamp(0, 1)


def hsv_to_rgb(h: torch.Tensor, s: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Vectorised HSV -> RGB; inputs (N,) in [0, 1], output (N, 3)."""
    k = torch.tensor([5.0, 3.0, 1.0])
    t = torch.remainder(k + h.unsqueeze(1) * 6, 6)
    return v.unsqueeze(1) - v.unsqueeze(1) * s.unsqueeze(1) * torch.clamp(torch.minimum(t, 4 - t), 0, 1)


def smooth_noise(n: int, size: int, cells: int, generator: torch.Generator, channels: int = 1) -> torch.Tensor:
    """Low-frequency noise (N, channels, size, size) in about [-1, 1]: upsampled random cells."""
    coarse = torch.rand(n, channels, cells, cells, generator=generator) * 2 - 1
    return torch.nn.functional.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
