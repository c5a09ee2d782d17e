"""The shipped vanilla weights: intact, honest about their metrics, and they cover the modes."""

from ganzoo.testing import assert_metrics_reproduce, shipped_weights


def test_shipped_weights_cover_ring_and_grid() -> None:
    shipped = {spec.tag: spec for spec, _ in shipped_weights("vanilla")}
    assert set(shipped) == {"ring", "grid"}
    ring = assert_metrics_reproduce(shipped["ring"])
    assert ring["modes_covered"] == 8 and ring["high_quality"] >= 0.97  # issue 5's goal for the best default
    grid = assert_metrics_reproduce(shipped["grid"])
    assert grid["modes_covered"] == 25 and grid["high_quality"] >= 0.95
