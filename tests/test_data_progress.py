"""Slow data preparation says so on stderr (without changing a single value), and
``ganzoo data preview`` draws its grid without torchvision, pixel for pixel as before."""

from __future__ import annotations

import time

import pytest
import torch

from ganzoo.data import cache


@pytest.fixture
def talkative(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GANZOO_QUIET", raising=False)
    monkeypatch.setattr(cache, "DELAY_S", 0.05)
    monkeypatch.setattr(cache, "EVERY_S", 0.05)


def test_progress_is_silent_for_quick_jobs_and_beats_for_slow_ones(monkeypatch, capsys) -> None:
    monkeypatch.delenv("GANZOO_QUIET", raising=False)
    with cache.progress("quick", 10) as done:
        done.add(10)
    assert capsys.readouterr().err == ""
    with cache.progress("slow job", 4, "images", delay=0.05, every=0.1) as done:
        for _ in range(4):
            time.sleep(0.12)
            done.add(1)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 3 and lines[0].startswith("slow job: ") and "/4 images" in lines[1], lines
    assert lines[-1].startswith("slow job: done in"), lines
    monkeypatch.setenv("GANZOO_QUIET", "1")
    with cache.progress("silenced", delay=0) as done:
        time.sleep(0.1)
    assert capsys.readouterr().err == ""


def test_preparing_sketches2photos_reports_counts_and_draws_the_same_images(talkative, monkeypatch, capsys) -> None:
    """Across a chunk boundary (CHUNK = 1024): the chunking is part of what the images are."""
    from ganzoo.data.sketches import CHUNK, build_sketches2photos

    monkeypatch.setenv("GANZOO_NO_CACHE", "1")
    monkeypatch.setattr(cache, "DELAY_S", 0)  # announce at once: on a quiet machine the job takes < 50 ms
    loud = build_sketches2photos(size=CHUNK + 6, test_size=3, image_size=16)
    err = capsys.readouterr().err
    assert "preparing sketches2photos at 16 px" in err and f"/{2 * (CHUNK + 6 + 3):,} images" in err, err
    monkeypatch.setenv("GANZOO_QUIET", "1")
    quiet = build_sketches2photos(size=CHUNK + 6, test_size=3, image_size=16)
    assert capsys.readouterr().err == ""
    for split in ("train", "test"):
        for domain in ("a", "b"):
            x, y = (getattr(d.split(split), domain).images for d in (loud, quiet))
            assert torch.equal(x, y)


@pytest.mark.parametrize("shape", [(13, 3, 10, 12), (8, 1, 9, 9), (1, 3, 5, 5)])
def test_preview_grid_matches_the_torchvision_grid(tmp_path, shape) -> None:
    from PIL import Image

    from ganzoo.data.preview import save_grid
    from ganzoo.io.imaging import grid_image

    images = torch.rand(shape, generator=torch.Generator().manual_seed(0)) * 2.4 - 1.2
    ours = Image.open(save_grid(images, tmp_path / "ours.png", nrow=8)).convert("RGB")
    theirs = grid_image(images, nrow=8).convert("RGB")
    assert ours.size == theirs.size and ours.tobytes() == theirs.tobytes()


def test_data_preview_does_not_import_torchvision(run_cli, tmp_path) -> None:
    code = ("import sys\nfrom ganzoo.cli import main\n"
            "try:\n    main(sys.argv[1:], prog_name='ganzoo')\nexcept SystemExit:\n    pass\n"
            "print('TORCHVISION=%s' % ('torchvision' in sys.modules))\n")
    import subprocess
    import sys

    out = tmp_path / "grid.png"
    result = subprocess.run([sys.executable, "-c", code, "data", "preview", "sketches2photos", "--out", str(out),
                             "--image-size", "16", "-n", "8"], capture_output=True, text=True, timeout=300,
                            check=False)
    assert out.exists(), result.stderr
    assert "TORCHVISION=False" in result.stdout, result.stdout + result.stderr
