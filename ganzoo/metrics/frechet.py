"""The Fréchet distance between two Gaussians fitted to feature sets (FID's formula).

    d^2 = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))

Tr((S_1 S_2)^(1/2)) is the sum of the square roots of the eigenvalues of S_1 S_2,
which are real and non-negative for covariance matrices; computing it that way in
float64 needs no scipy and no matrix square root.
"""

from __future__ import annotations

import torch


def gaussian_stats(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.as_tensor(features, dtype=torch.float64)
    return x.mean(0), torch.cov(x.T)


def frechet_distance_from_stats(mu1: torch.Tensor, s1: torch.Tensor, mu2: torch.Tensor, s2: torch.Tensor) -> float:
    eig = torch.linalg.eigvals(s1.double() @ s2.double())
    trace_sqrt = eig.sqrt().real.sum()
    return float(((mu1 - mu2) ** 2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * trace_sqrt)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between feature sets ``a`` (N, D) and ``b`` (M, D)."""
    return frechet_distance_from_stats(*gaussian_stats(a), *gaussian_stats(b))
