"""Every official model trains with every registered loss, a third party's paired
(relativistic) loss included: `--loss NAME` picks it for any model whose task allows it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

import ganzoo

OFFICIAL = ("vanilla", "cgan", "dcgan", "wgan", "wgan-gp", "cyclegan", "stylegan-lite")


def unpaired_folder(root: Path) -> Path:
    """Eight 32 px images in each of trainA/ and trainB/: the smallest CycleGAN data."""
    g = torch.Generator().manual_seed(0)
    for side in ("trainA", "trainB"):
        (root / side).mkdir(parents=True)
        for i in range(8):
            pixels = (torch.rand(32, 32, 3, generator=g) * 255).to(torch.uint8).numpy()
            Image.fromarray(pixels).save(root / side / f"{i}.png")
    return root


@pytest.fixture
def host_with_a_paired_loss(fixture_site):
    from ganzoo.host import reset_host

    fixture_site("ganzoo-fixture-losses")
    previous = reset_host(None)
    yield ganzoo.get_registry()
    reset_host(previous)


def test_every_official_model_trains_with_every_registered_loss(tmp_path: Path, host_with_a_paired_loss) -> None:
    registry = host_with_a_paired_loss
    losses = sorted(loss.name for loss in registry.losses)
    assert "relativistic-average" in losses and len(losses) >= 7
    folder = unpaired_folder(tmp_path / "pairs")
    small = dict(steps=2, batch_size=4, sample_every=10**6, checkpoint_every=10**6, sample_count=4, quiet=True,
                 precision="fp32", device="cpu")
    trained = []
    for model in OFFICIAL:
        spec = registry.get_model(model)
        data = {"points-2d": "ring", "unpaired-images": str(folder)}.get(spec.data_kinds[0], "digits")
        sizes = {k: v for k, v in dict(width=8, ngf=8, ndf=8, n_blocks=1, image_size=32).items()
                 if k in spec.defaults}
        for loss in losses:
            run = ganzoo.train(model, data, out=tmp_path / "runs", loss=loss, **sizes, **small)
            rows = (run.dir / "metrics.jsonl").read_text().splitlines()
            assert run.step == 2 and rows, (model, loss)
            trained.append((model, loss))
    assert len(trained) == len(OFFICIAL) * len(losses)


def test_a_paired_loss_that_a_model_cannot_use_is_one_line(tmp_path: Path, fixture_site,
                                                            only_fixture_plugins) -> None:
    """A third-party model whose G step calls ``loss.g_loss(fake)`` cannot give a paired loss
    real scores: the run stops with the fix named, as a ganzoo error (one line on the CLI)."""
    from ganzoo.host import reset_host

    fixture_site("ganzoo-fixture-models", "ganzoo-fixture-losses")
    previous = reset_host(None)
    try:
        with pytest.raises(ganzoo.GanzooError, match="g_loss_lazy"):
            ganzoo.train("tinygan", "ring", out=tmp_path, steps=2, loss="relativistic-average", quiet=True)
    finally:
        reset_host(previous)
