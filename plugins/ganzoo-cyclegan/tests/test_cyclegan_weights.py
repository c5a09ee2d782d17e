"""The shipped CycleGAN weights: intact, honest about their metrics, and they translate."""

from ganzoo.testing import assert_metrics_reproduce, shipped_weights


def test_sketches2photos_weights_translate_both_ways() -> None:
    (spec, _), = shipped_weights("cyclegan")
    scores = assert_metrics_reproduce(spec)
    # translations land near the target domain: far closer than the two real domains are to each other
    assert scores["fd_a2b"] < scores["fd_domains"] / 20 and scores["fd_b2a"] < scores["fd_domains"] / 20
    assert scores["cycle_l1_a"] < 0.08 and scores["cycle_l1_b"] < 0.1  # content survives the round trip
