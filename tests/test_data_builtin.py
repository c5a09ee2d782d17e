"""Built-in datasets: shapes, ranges, labels, determinism, and the properties each promises."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import torch

import ganzoo.data as gdata
from ganzoo.errors import DatasetUnavailableError, IncompatibleDataError, UnknownDatasetError
from ganzoo.registry import ModelSpec

SMALL = {"shapes": dict(size=600, test_size=120), "sketches2photos": dict(size=120, test_size=40)}


def load(name: str, **kw):
    return gdata.load(name, **{**SMALL.get(name, {}), **kw})


def images_of(dataset) -> torch.Tensor:
    return dataset.batch(torch.arange(len(dataset)))


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_mixtures_are_2d_points_with_their_modes(name: str) -> None:
    data = load(name)
    assert data.kind == "points-2d" and len(data.train) == 50_000
    points = images_of(data.train)
    centres, std = data.info["centres"], data.info["std"]
    assert points.shape == (50_000, 2) and points.dtype == torch.float32
    nearest = torch.cdist(points, centres).min(dim=1)
    assert (nearest.values < 5 * std).float().mean() > 0.999  # every point sits at a mode
    counts = torch.bincount(nearest.indices, minlength=len(centres))
    expected = 8 if name == "ring" else 25
    assert len(centres) == expected and (counts > 0).sum() == expected
    assert counts.min() > 0.7 * counts.float().mean()  # equal weights
    assert len({tuple(c) for c in centres.round(decimals=3).tolist()}) == expected  # distinct modes


def test_ring_geometry_matches_the_benchmark() -> None:
    centres = load("ring").info["centres"]
    assert torch.allclose(centres.norm(dim=1), torch.ones(8), atol=1e-6)
    angles = torch.atan2(centres[:, 1], centres[:, 0]).remainder(2 * torch.pi).sort().values
    assert torch.allclose(angles.diff(), torch.full((7,), torch.pi / 4), atol=1e-5)
    assert torch.allclose(load("grid").info["centres"].unique(), torch.tensor([-4.0, -2, 0, 2, 4]))


def test_mixture_overrides() -> None:
    data = load("ring", radius=2.0, std=0.02, size=1_000)
    assert data.info["std"] == 0.02 and len(data.train) == 1_000
    assert torch.allclose(data.info["centres"].norm(dim=1), torch.full((8,), 2.0))


@pytest.mark.parametrize("name", ["shapes", "digits"])
def test_labelled_images_shape_range_and_labels(name: str) -> None:
    data = load(name)
    images, labels = images_of(data.train)
    channels = 3 if name == "shapes" else 1
    assert data.kind == "labelled-images" and images.shape[1:] == (channels, 32, 32)
    assert images.min() >= -1 and images.max() <= 1 and images.std() > 0.2
    assert labels.min() == 0 and labels.max() == data.num_classes - 1
    assert (torch.bincount(labels) > 0).all()


def test_digits_is_the_real_bundled_set_with_a_fixed_split() -> None:
    data = load("digits")
    assert len(data.train) + len(data.test) == 1_797 and data.num_classes == 10
    assert torch.equal(load("digits", seed=5).test.images, data.test.images)  # split ignores the seed


@pytest.mark.parametrize("name", ["ring", "shapes", "sketches2photos"])
def test_procedural_sets_are_deterministic_by_seed(name: str, monkeypatch) -> None:
    monkeypatch.setenv("GANZOO_NO_CACHE", "1")  # really regenerate, don't read the cache
    def first(seed):
        batch = load(name, seed=seed).train.batch(torch.arange(16))
        return batch[0] if isinstance(batch, tuple) else batch
    assert torch.equal(first(3), first(3))
    assert not torch.equal(first(3), first(4))


def test_cache_returns_exactly_what_was_generated(monkeypatch) -> None:
    fresh = load("shapes", seed=11).train.images
    cached = load("shapes", seed=11).train.images  # second call reads GANZOO_HOME/cache
    monkeypatch.setenv("GANZOO_NO_CACHE", "1")
    assert torch.equal(fresh, cached) and torch.equal(fresh, load("shapes", seed=11).train.images)


def test_shapes_classes_are_recognisable() -> None:
    """A tiny CNN learns the classes from 2,000 images: the labels describe what is drawn."""
    torch.manual_seed(0)
    data = load("shapes", size=2_000, test_size=600)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveMaxPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(64, 6),
    )
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(6):
        for x, y in data.iter_batches(64, g):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
    x, y = images_of(data.test)
    with torch.no_grad():
        accuracy = (net(x).argmax(1) == y).float().mean()
    assert accuracy > 0.6, f"test accuracy {accuracy:.2f} (chance 0.17)"


def test_shapes_told_are_the_same_images_with_the_parameters_that_drew_them() -> None:
    """render_told draws exactly what render_shapes draws from the same seed, and its
    parameters say what: the class one-hot matches the label, the colour is the shape's."""
    from ganzoo.data.shapes import render_shapes, render_told

    images, labels = render_shapes(300, 32, torch.Generator().manual_seed(4))
    told, parameters = render_told(300, 32, torch.Generator().manual_seed(4))
    assert torch.equal(told, images) and parameters.shape == (300, 18)
    assert torch.equal(parameters[:, :6].argmax(1), labels) and torch.equal(parameters[:, :6].sum(1), torch.ones(300))
    scale, cx, cy, cos, sin = parameters[:, 6:11].T
    assert ((0.3 <= scale) & (scale <= 0.55)).all() and torch.allclose(cos**2 + sin**2, torch.ones(300))
    centre = images[torch.arange(300), :, ((cy + 1) * 16).long().clamp(0, 31), ((cx + 1) * 16).long().clamp(0, 31)]
    circles = labels == 0  # a circle's centre pixel is the shape's own colour
    assert (centre[circles].float() / 255 - parameters[circles, 11:14]).abs().max() < 0.02


def _saturation(images: torch.Tensor) -> float:
    rgb = (images * 0.5 + 0.5).clamp(0, 1)
    mx, mn = rgb.max(dim=1).values, rgb.min(dim=1).values
    return float(((mx - mn) / mx.clamp(min=1e-3)).mean())


def _edge_density(images: torch.Tensor) -> float:
    grey = images.mean(dim=1)
    return float(((grey[:, 1:, :] - grey[:, :-1, :]).abs() > 0.25).float().mean())


def test_sketches2photos_domains_differ_measurably_and_splits_do_not_overlap() -> None:
    data = load("sketches2photos")
    assert data.kind == "unpaired-images" and data.image_size == 64
    a, b = data.train.a.batch(torch.arange(120)), data.train.b.batch(torch.arange(120))
    assert a.shape == b.shape == (120, 3, 64, 64)
    # measured on 400 images: saturation 0.04 vs 0.38, edge density 6.0 % vs 0.5 %
    assert _saturation(a) < 0.08 and _saturation(b) > 0.25  # grey pencil vs colour
    assert float(a.mean()) > 0.6 > float(b.mean())  # white paper vs scenes
    assert float((a < -0.3).float().mean()) < 0.05  # thin strokes, not filled shapes
    assert _edge_density(a) > 3 * _edge_density(b)  # outlines vs smooth shaded regions
    train = {bytes(x.numpy()) for ds in (data.train.a, data.train.b) for x in ds.images}
    test = {bytes(x.numpy()) for ds in (data.test.a, data.test.b) for x in ds.images}
    assert len(train) == 240 and len(test) == 80 and not train & test


def test_unpaired_pairs_change_each_epoch() -> None:
    data = load("sketches2photos")
    idx = torch.arange(8)
    before = data.train.batch(idx)[1]
    data.train.set_epoch(1)
    assert torch.equal(data.train.batch(idx)[0], data.train.a.batch(idx)) and not torch.equal(before, data.train.batch(idx)[1])


def test_image_size_and_channels_conversions() -> None:
    grey_shapes = load("shapes", channels=1, image_size=64)
    assert grey_shapes.train.images.shape[1:] == (1, 64, 64) and grey_shapes.channels == 1
    rgb_digits = load("digits", channels=3, image_size=16)
    x, _ = rgb_digits.train.batch(torch.arange(4))
    assert x.shape == (4, 3, 16, 16) and torch.equal(x[:, 0], x[:, 2])


def test_in_memory_batches_cover_an_epoch_once() -> None:
    data = load("digits")
    seen = torch.cat([y for _, y in data.iter_batches(100, torch.Generator().manual_seed(0))])
    assert len(seen) == 1_500 and data.in_memory


def test_unknown_dataset_suggests_names_and_folders() -> None:
    with pytest.raises(UnknownDatasetError, match="Did you mean: shapes.*folder path"):
        gdata.load("shpes")


def test_incompatible_data_is_refused_naming_datasets_that_fit() -> None:
    from ganzoo.host import get_host

    model = ModelSpec(name="pointgan", summary="s", task="points-2d", builder="a:b", data_kinds=("points-2d",))
    with pytest.raises(IncompatibleDataError, match="Compatible datasets: grid, ring"):
        gdata.check_compatible(model, "labelled-images", "shapes", get_host().registry)
    images_model = ModelSpec(name="imgan", summary="s", task="unconditional", builder="a:b", data_kinds=("images",))
    gdata.check_compatible(images_model, "labelled-images", "shapes", get_host().registry)  # labels are dropped


# -- torchvision sets, offline ------------------------------------------------------

@pytest.fixture
def unreachable_mirrors(monkeypatch):
    """Point torchvision at a closed port on 127.0.0.1: the real download code, no network."""
    import torchvision.datasets as tvd

    monkeypatch.setattr(tvd.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    monkeypatch.setattr(tvd.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    monkeypatch.setattr(tvd.CIFAR10, "url", "http://127.0.0.1:9/cifar-10-python.tar.gz")


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "cifar10"])
def test_offline_torchvision_set_gives_a_clear_message_and_leaves_no_folders(name, unreachable_mirrors, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GANZOO_HOME", str(tmp_path))
    with pytest.raises(DatasetUnavailableError) as err:
        gdata.load(name)
    message = str(err.value)
    assert f"could not download {name!r}" in message and "--data PATH" in message
    assert str(tmp_path / "data" / "torchvision") in message
    assert [p for p in (tmp_path / "data").rglob("*")] == []  # no empty folders left behind


def _idx(path: Path, magic: int, dims: tuple[int, ...], payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload)


def test_mnist_files_put_where_the_message_says_load_offline(unreachable_mirrors, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GANZOO_HOME", str(tmp_path))
    raw = tmp_path / "data" / "torchvision" / "MNIST" / "raw"
    for prefix, n in (("train", 12), ("t10k", 5)):
        _idx(raw / f"{prefix}-images-idx3-ubyte", 0x803, (n, 28, 28), bytes(range(256)) * (n * 784 // 256) + bytes(n * 784 % 256))
        _idx(raw / f"{prefix}-labels-idx1-ubyte", 0x801, (n,), bytes(i % 10 for i in range(n)))
    data = gdata.load("mnist")
    x, y = data.train.batch(torch.arange(12))
    assert x.shape == (12, 1, 32, 32) and y.tolist() == [i % 10 for i in range(12)] and len(data.test) == 5
