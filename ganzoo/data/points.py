"""2D Gaussian mixtures, the standard mode-collapse benchmarks.

``ring``: 8 modes at angles 2*pi*k/8 for k = 0..7 (not ``linspace(0, 2*pi, 8)``,
which repeats the first angle and yields only 7 distinct modes), radius 1, std 0.01.
``grid``: 25 modes at {-4, -2, 0, 2, 4}^2, std 0.05. The centres and std travel in
``GanData.info`` so evaluators can score samples (VEEGAN's mode count).
"""

from __future__ import annotations

import math

import torch

from ganzoo.data.base import GanData, PointsDataset


def ring_centres(modes: int = 8, radius: float = 1.0) -> torch.Tensor:
    angles = 2 * math.pi * torch.arange(modes, dtype=torch.float64) / modes
    return torch.stack([radius * torch.cos(angles), radius * torch.sin(angles)], dim=1).float()


def grid_centres(side: int = 5, spacing: float = 2.0) -> torch.Tensor:
    axis = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    xs, ys = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([xs.flatten(), ys.flatten()], dim=1)


def sample_mixture(centres: torch.Tensor, std: float, n: int, generator: torch.Generator) -> torch.Tensor:
    """n points from an equal-weight isotropic Gaussian mixture."""
    which = torch.randint(len(centres), (n,), generator=generator)
    return centres[which] + std * torch.randn(n, 2, generator=generator)


def _mixture(name: str, centres: torch.Tensor, std: float, size: int, test_size: int, seed: int) -> GanData:
    train = sample_mixture(centres, std, size, torch.Generator().manual_seed(seed))
    test = sample_mixture(centres, std, test_size, torch.Generator().manual_seed(seed + 1_000_003))
    return GanData(
        name=name,
        kind="points-2d",
        train=PointsDataset(train),
        test=PointsDataset(test),
        info={"centres": centres, "std": std},
    )


def build_ring(*, seed: int = 0, size: int = 50_000, test_size: int = 2_500, modes: int = 8,
               radius: float = 1.0, std: float = 0.01, **_: object) -> GanData:
    return _mixture("ring", ring_centres(modes, radius), std, size, test_size, seed)


def build_grid(*, seed: int = 0, size: int = 50_000, test_size: int = 2_500, side: int = 5,
               spacing: float = 2.0, std: float = 0.05, **_: object) -> GanData:
    return _mixture("grid", grid_centres(side, spacing), std, size, test_size, seed)
