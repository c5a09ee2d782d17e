"""Image folders: layouts, conversions, bad files and clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganzoo.data as gdata
from ganzoo.data.folders import DataWarning, scan
from ganzoo.errors import DataError


def write_rgb(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (20, 20)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def pixels(data, index: int = 0) -> torch.Tensor:
    item = data.train[index]
    return item[0] if isinstance(item, tuple) else item


def test_flat_folder_is_unconditional_images(tmp_path: Path) -> None:
    for i in range(5):
        write_rgb(tmp_path / f"{i}.png", (50 * i, 0, 0))
    (tmp_path / "notes.txt").write_text("not an image")
    data = gdata.load(tmp_path, image_size=16)
    assert data.kind == "images" and len(data.train) == 5 and data.channels == 3
    x = pixels(data, 4)
    assert x.shape == (3, 16, 16) and x.min() >= -1 and x.max() <= 1
    assert torch.allclose(x[0], torch.full((16, 16), 200 / 127.5 - 1), atol=1e-6)


def test_class_subfolders_become_labels(tmp_path: Path) -> None:
    for cls, colour, n in (("cats", (255, 0, 0), 3), ("dogs", (0, 0, 255), 2)):
        for i in range(n):
            write_rgb(tmp_path / cls / f"{i}.jpg", colour)
    data = gdata.load(tmp_path, image_size=8)
    assert data.kind == "labelled-images" and data.class_names == ("cats", "dogs")
    labels = [data.train[i][1] for i in range(len(data.train))]
    assert sorted(labels) == [0, 0, 0, 1, 1]
    for i, label in enumerate(labels):  # each label goes with its own folder's images
        image = data.train[i][0]
        assert (image[0].mean() > 0.5) == (label == 0) and (image[2].mean() > 0.5) == (label == 1)


def test_cyclegan_layout_is_unpaired_with_test_split(tmp_path: Path) -> None:
    for domain, colour, n in (("trainA", (0, 0, 0), 4), ("trainB", (255, 255, 255), 3), ("testA", (0, 0, 0), 1), ("testB", (255, 255, 255), 1)):
        for i in range(n):
            write_rgb(tmp_path / domain / f"{i}.png", colour)
    data = gdata.load(tmp_path, image_size=8)
    assert data.kind == "unpaired-images" and len(data.train) == 4 and len(data.test) == 1
    a, b = data.train[0]
    assert a.max() == -1 and b.min() == 1  # A is black, B is white


def test_corrupt_and_truncated_files_are_skipped_with_one_warning(tmp_path: Path) -> None:
    for i in range(3):
        write_rgb(tmp_path / f"good{i}.png", (10, 20, 30))
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nthis is not a png")
    full = (tmp_path / "good0.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(full[: len(full) // 2])
    with pytest.warns(DataWarning) as caught:
        data = gdata.load(tmp_path)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "skipped 2 unreadable image(s)" in message and "corrupt.png" in message and "truncated.png" in message
    assert len(data.train) == 3
    with pytest.raises(DataError, match="2 unreadable image.*--strict-data"):
        gdata.load(tmp_path, strict=True)


def test_rgba_is_composited_on_white_not_black(tmp_path: Path) -> None:
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[:, :2] = (255, 0, 0, 255)  # left half opaque red, right half fully transparent (black RGB)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    x = pixels(gdata.load(tmp_path, image_size=4))
    assert torch.allclose(x[:, 0, 0], torch.tensor([1.0, -1.0, -1.0]))
    assert torch.allclose(x[:, 0, 3], torch.ones(3))  # transparent -> white


def test_palette_with_transparency_and_greyscale(tmp_path: Path) -> None:
    palette = Image.new("P", (4, 4), 1)
    palette.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    palette.info["transparency"] = 0
    palette.putpixel((0, 0), 0)  # the transparent index
    palette.save(tmp_path / "p.png", transparency=0)
    x = pixels(gdata.load(tmp_path, image_size=4))
    assert torch.allclose(x[:, 0, 0], torch.ones(3)) and torch.allclose(x[:, 1, 1], torch.tensor([-1.0, 1.0, -1.0]))


def test_16_bit_greyscale_is_scaled_not_clipped(tmp_path: Path) -> None:
    values = np.array([[0, 16384], [32768, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    data = gdata.load(tmp_path, image_size=2)
    assert data.channels == 1  # every image is greyscale: one channel by default
    x = pixels(data)[0]
    expected = torch.tensor([[0, 64], [128, 255]]) / 127.5 - 1
    assert torch.allclose(x, expected, atol=1 / 127.5)


def test_channels_override_and_centre_crop(tmp_path: Path) -> None:
    image = np.zeros((10, 30, 3), dtype=np.uint8)
    image[:, :10] = (255, 0, 0)
    image[:, 10:20] = (0, 255, 0)  # the centre third is green
    image[:, 20:] = (0, 0, 255)
    Image.fromarray(image).save(tmp_path / "wide.png")
    rgb = pixels(gdata.load(tmp_path, image_size=10))
    assert torch.allclose(rgb[:, 5, 5], torch.tensor([-1.0, 1.0, -1.0]), atol=0.02)
    grey = pixels(gdata.load(tmp_path, image_size=10, channels=1))
    assert grey.shape == (1, 10, 10) and abs(float(grey[0, 5, 5]) - (0.587 * 255 / 127.5 - 1)) < 0.02


def test_lazy_folder_decoding_matches_preloaded(tmp_path: Path) -> None:
    for i in range(4):
        write_rgb(tmp_path / f"{i}.png", (60 * i, 30, 200), size=(24, 18))
    eager = gdata.load(tmp_path, image_size=12)
    lazy = gdata.load(tmp_path, image_size=12, preload_limit=0)
    assert eager.in_memory and not lazy.in_memory
    assert all(torch.equal(eager.train[i], lazy.train[i]) for i in range(4))


def test_missing_and_empty_folders_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        gdata.load(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images found"):
        gdata.load(tmp_path / "empty")
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("x")
    with pytest.raises(DataError, match="no images found"):
        gdata.load(tmp_path / "texts")
    write_rgb(tmp_path / "file.png", (0, 0, 0))
    with pytest.raises(DataError, match="is a file"):
        gdata.load(tmp_path / "file.png")


def test_folder_of_only_corrupt_files_says_so(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"junk")
    with pytest.warns(DataWarning), pytest.raises(DataError, match="no readable images"):
        gdata.load(tmp_path)


def test_scan_counts_sizes_and_problems(tmp_path: Path) -> None:
    write_rgb(tmp_path / "a" / "1.png", (0, 0, 0), size=(8, 8))
    write_rgb(tmp_path / "a" / "2.png", (0, 0, 0), size=(8, 6))
    write_rgb(tmp_path / "b" / "1.png", (0, 0, 0), size=(8, 8))
    (tmp_path / "b" / "bad.jpg").write_bytes(b"nope")
    (tmp_path / "c").mkdir()
    found = scan(tmp_path)
    assert found.layout == "classes" and {k: len(v) for k, v in found.groups.items()} == {"a": 2, "b": 1, "c": 0}
    assert found.sizes[(8, 8)] == 2 and found.count == 3
    problems = found.problems()
    assert any("b/bad.jpg" in p for p in problems) and any("empty class: c" in p for p in problems)


# -- the data CLI -----------------------------------------------------------------

def ganzoo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True, timeout=300)


def test_cli_preview_writes_grids_for_each_kind(tmp_path: Path) -> None:
    out = tmp_path / "sk.png"
    result = ganzoo("data", "preview", "sketches2photos", "--out", str(out), "-n", "16")
    assert result.returncode == 0, result.stderr
    image = Image.open(out)
    assert image.size == (8 * 66 + 2, 2 * 66 + 2)  # 8 per row, A row then B row, 2 px padding
    top, bottom = np.asarray(image)[:66], np.asarray(image)[66:]
    assert top.std(axis=2).mean() < bottom.std(axis=2).mean()  # grey sketches above colourful photos
    ring = tmp_path / "ring.png"
    assert ganzoo("data", "preview", "ring", "--out", str(ring)).returncode == 0
    assert Image.open(ring).size == (512, 512)


def test_cli_check_reports_and_fails_on_unusable_folders(tmp_path: Path) -> None:
    write_rgb(tmp_path / "trainA" / "1.png", (0, 0, 0))
    write_rgb(tmp_path / "trainB" / "1.png", (0, 0, 0))
    (tmp_path / "trainB" / "2.png").write_bytes(b"broken")
    result = ganzoo("data", "check", str(tmp_path))
    assert result.returncode == 0
    assert "layout: unpaired" in result.stdout and "domain trainB: 1" in result.stdout
    assert "unreadable: trainB/2.png" in result.stdout
    missing = ganzoo("data", "check", str(tmp_path / "missing"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
