"""Mode coverage on 2D mixtures, scored as in VEEGAN (Srivastava et al. 2017).

A sample is *high quality* if it lies within 3 standard deviations of its nearest
mode; a mode is *covered* if it is the nearest mode of at least one high-quality
sample. Published figures use 2,500 samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ModeCoverage:
    modes_covered: int
    modes_total: int
    high_quality: float  # fraction of samples within 3 std of a mode
    samples: int
    per_mode: tuple[int, ...]  # high-quality samples per mode

    def as_dict(self) -> dict[str, object]:
        return {"modes_covered": self.modes_covered, "modes_total": self.modes_total,
                "high_quality": self.high_quality, "samples": self.samples, "per_mode": list(self.per_mode)}

    def __str__(self) -> str:
        return f"{self.modes_covered}/{self.modes_total} modes, {100 * self.high_quality:.1f} % high quality"


def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, std: float, threshold: float = 3.0) -> ModeCoverage:
    """Score (N, 2) samples against mode ``centres`` (K, 2) of a mixture with this ``std``."""
    samples = torch.as_tensor(samples, dtype=torch.float64)
    centres = torch.as_tensor(centres, dtype=torch.float64)
    if samples.dim() != 2 or samples.shape[1] != centres.shape[1]:
        raise ValueError(f"samples must be (N, {centres.shape[1]}), got {tuple(samples.shape)}")
    distance, nearest = torch.cdist(samples, centres).min(dim=1)
    good = distance <= threshold * std
    per_mode = torch.bincount(nearest[good], minlength=len(centres))
    return ModeCoverage(int((per_mode > 0).sum()), len(centres), float(good.double().mean()), len(samples),
                        tuple(int(c) for c in per_mode))
