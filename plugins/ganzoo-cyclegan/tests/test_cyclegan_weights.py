"""The shipped CycleGAN weights: intact, honest about their metrics, and they translate."""

import pytest

import ganzoo
from ganzoo.testing import assert_metrics_reproduce, shipped_weights


def test_sketches2photos_weights_translate_both_ways() -> None:
    (spec, _), = shipped_weights("cyclegan")
    scores = assert_metrics_reproduce(spec)
    # the judge (A / B / neither) calls most translations the target domain, and they land near it:
    # far closer than the two real domains are to each other
    assert scores["a2b_as_b"] >= 0.75 and scores["b2a_as_a"] >= 0.9, scores
    assert scores["fd_a2b_rel"] < 0.15 and scores["fd_b2a_rel"] < 0.05, scores
    assert scores["cycle_l1_a"] < 0.08 and scores["cycle_l1_b"] < 0.1  # content survives the round trip


@pytest.mark.slow
def test_the_headline_scores_tell_the_shipped_weights_from_30_training_steps(tmp_path) -> None:
    """Version 1 of the judge (A vs B only) gave a 30-step CycleGAN, whose outputs are
    noise, the same 100 % / 100 % as the shipped weights. Measured with judge v2 (default
    nets, 30 steps): shipped a2b_as_b 0.83, b2a_as_a 1.0, fd_*_rel 0.039 / 0.0087; 30 steps
    0.0, 0.0 (all called "neither"), 0.28 / 0.93. Tiny nets here, to keep the test quick."""
    run = ganzoo.train("cyclegan", "sketches2photos", out=tmp_path, steps=30, ngf=8, ndf=8, n_blocks=2,
                       batch_size=2, sample_every=30, checkpoint_every=30, quiet=True)
    shipped = ganzoo.evaluate("cyclegan.sketches2photos")["scores"]
    early = ganzoo.evaluate(run.dir)["scores"]
    assert shipped["a2b_as_b"] - early["a2b_as_b"] >= 0.6 and shipped["b2a_as_a"] - early["b2a_as_a"] >= 0.6, \
        (shipped, early)
    assert early["fd_a2b_rel"] > 3 * shipped["fd_a2b_rel"] and early["fd_b2a_rel"] > 10 * shipped["fd_b2a_rel"], \
        (shipped, early)
    assert early["fd_a2b_rel"] > 0.15 and early["fd_b2a_rel"] > 0.3, early
