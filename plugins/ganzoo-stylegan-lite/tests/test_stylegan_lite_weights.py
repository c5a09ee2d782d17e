"""The shipped StyleGAN-lite weights: intact, honest about their metrics, and showing
what a style model should: truncation trades diversity for typicality, and mixing
separates what coarse layers draw (the shape) from what fine layers draw (colour)."""

from __future__ import annotations

import pytest
import torch

import ganzoo
from ganzoo.testing import (assert_metrics_reproduce, build_model, classifier_features, classify, frechet_distance,
                            load_model, real_images, shipped_weights)

#: measured for the shipped file (closing note of issue 16): FD 259.1 against real-vs-real 1.96
#: (132x; the goal of 10x is not met), from 531 at initialisation (2.05x). These bounds guard that level.
FD_RATIO_BOUND, DROP_BOUND = 140.0, 1.9


@pytest.fixture(scope="module")
def loaded():
    return load_model("stylegan-lite.shapes")


def test_weights_are_intact_and_far_better_than_initialisation(loaded) -> None:
    (spec, _), = shipped_weights("stylegan-lite")
    scores = assert_metrics_reproduce(spec)
    # distances from the first 10,000 training images, ganzoo eval's reference
    real_vs_real = frechet_distance(real_images("shapes", 2_000, "test"), "shapes")
    torch.manual_seed(loaded.meta["config"]["seed"])
    untrained = build_model("stylegan-lite", loaded.meta["config"], loaded.data_info).G.eval()
    with torch.no_grad():
        initial = frechet_distance(untrained(torch.randn(2_000, 128, generator=torch.Generator().manual_seed(0))),
                                   "shapes")
    print(f"stylegan-lite.shapes: FD {initial:.1f} -> {scores['fid']:.2f}; real-vs-real {real_vs_real:.2f} "
          f"({scores['fid'] / real_vs_real:.0f}x)")
    assert initial / scores["fid"] >= DROP_BOUND and scores["fid"] <= FD_RATIO_BOUND * real_vs_real


def diversity(images: torch.Tensor) -> float:
    """Mean pairwise distance between samples in the shapes classifier's features."""
    return torch.pdist(classifier_features(images, "shapes")).mean().item()


def test_truncation_lowers_diversity_monotonically_down_to_the_average_image(loaded) -> None:
    psis = (1.0, 0.75, 0.5, 0.25, 0.0)
    spread = [diversity(ganzoo.sample("stylegan-lite.shapes", 256, seed=3, truncation=psi)) for psi in psis]
    print("diversity by psi:", dict(zip(psis, (round(s, 3) for s in spread))))
    assert all(a > b for a, b in zip(spread, spread[1:])), spread
    g = loaded.nets["G"]
    with torch.no_grad():
        average = g.synthesis(g.broadcast(g.w_avg[None]))
    at_zero = ganzoo.sample("stylegan-lite.shapes", 4, seed=3, truncation=0.0)
    assert torch.allclose(at_zero, average.expand(4, -1, -1, -1), atol=1e-5)


def mixing_figures(loaded, crossover: int, seed: int) -> tuple[float, float]:
    """(share of cells whose predicted shape is the coarse source's, share whose mean colour
    is nearer the fine source's than the coarse source's) in an 8 x 8 mixing table."""
    result = ganzoo.mix(loaded, rows=8, cols=8, crossover=crossover, seed=seed)
    cells = result.cells.flatten(0, 1)
    coarse = result.rows.repeat_interleave(8, dim=0)  # each cell's coarse source
    fine = result.cols.repeat(8, 1, 1, 1)  # and its fine source
    colour = lambda images: images.mean(dim=(2, 3))  # noqa: E731
    shape_follows = (classify(cells, "shapes") == classify(coarse, "shapes")).float().mean().item()
    colour_follows = ((colour(cells) - colour(fine)).norm(dim=1) < (colour(cells) - colour(coarse)).norm(dim=1))
    return shape_follows, colour_follows.float().mean().item()


@pytest.mark.parametrize("seed", [1, 2])
def test_coarse_layers_draw_the_shape_and_colour_and_fine_layers_the_texture(loaded, seed: int) -> None:
    """What each level of these weights controls, measured with the shapes classifier:
    with only the 32 px layers (6, 7) from the fine source the cell keeps the coarse
    source's shape and colour; with layers 2 onwards from it, the colour is the fine
    source's. Colour is decided at 8 px, where the shape is (closing note of issue 16:
    the issue's 'shape from A and colour from B at one crossover' does not hold here).
    Shape at crossover 6 measured 84-89 % (seeds 1-3) with the judge trained on a CPU with
    AVX-512, 79.7 % (seed 2) with the one trained on a CPU without it (the judge is trained
    per machine), hence a bar of 75 %."""
    shape_late, colour_late = mixing_figures(loaded, 6, seed)
    _, colour_early = mixing_figures(loaded, 2, seed)
    print(f"seed {seed}: crossover 6: shape follows coarse {shape_late:.0%}, colour nearer fine {colour_late:.0%}; "
          f"crossover 2: colour nearer fine {colour_early:.0%}")
    assert shape_late >= 0.75 and colour_late <= 0.1
    assert colour_early >= 0.9
