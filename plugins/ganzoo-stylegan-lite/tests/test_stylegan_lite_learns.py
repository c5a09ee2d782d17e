"""StyleGAN-lite learns: small nets on the handwritten digits, in CI (marked slow)."""

from __future__ import annotations

import pytest

import ganzoo
from ganzoo.testing import fixed_run, judge_images

#: small nets, a short run and a short EMA: about 35 s on one thread in fp32
SMALL = dict(width=8, max_width=32, mapping_layers=2, batch_size=16, lr=5e-3, ema_decay=0.95)


@pytest.mark.slow
def test_stylegan_lite_learns_digits(tmp_path) -> None:
    """600 steps at 32 px: measured Frechet distance in the digits classifier's features 7x
    real-vs-real and 21 % of samples recognised with confidence >= 0.9. The untrained
    generator (flat grey images) sits at 15x and 1 %; with G's loss sign flipped, 43x and 0 %.
    bench/quality.py measures the default nets' long run on shapes."""
    run = fixed_run("stylegan-lite", "digits", tmp_path, 600, **SMALL)
    judged = judge_images(ganzoo.sample(run.dir, 1_000, seed=5), "digits")
    print(f"stylegan-lite on digits: {judged}")
    assert judged["fd_ratio"] <= 12 and judged["recognised"] >= 0.08, judged
