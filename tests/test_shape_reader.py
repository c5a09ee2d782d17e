"""The shapes reader names drawn shapes, refuses what is none of the six, and looks past
the slips a person looks past. One of its nets, trained here for a fifth of its steps
(under a minute and a half on one core), so the bounds sit below what the full reader
scores (docs/dcgan-shapes.md, "What a reader names")."""

from __future__ import annotations

import pytest
import torch
import torchvision.transforms.functional as TF

from ganzoo.data import load
from ganzoo.data.base import to_unit_range
from ganzoo.data.shapes import render_none, render_shapes
from ganzoo.metrics import shape_reader

STEPS = 400


@pytest.fixture(scope="module")
def reader() -> shape_reader.ShapeReader:
    """One of the reader's nets, trained for STEPS steps."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shape_reader, "TRAIN_STEPS", STEPS)
        return shape_reader.ShapeReader([shape_reader._train(load("shapes", image_size=32, channels=3))])


def test_none_of_these_keeps_the_pose_colour_and_background_of_shapes() -> None:
    """Only the outline differs: the same seed poses, colours and backgrounds both alike,
    and the shapes themselves are drawn as before."""
    shapes, _ = render_shapes(64, 32, torch.Generator().manual_seed(3))
    none = render_none(64, 32, torch.Generator().manual_seed(3))
    corner = (slice(None), slice(None), slice(0, 2), slice(0, 2))  # nearly always background
    assert (shapes[corner] == none[corner]).float().mean() > 0.95
    assert not torch.equal(shapes, none)
    assert torch.equal(render_shapes(64, 32, torch.Generator().manual_seed(3))[0], shapes)


def test_the_reader_names_shapes_and_refuses_none_of_these(reader) -> None:
    real = load("shapes", image_size=32, channels=3).test.batch(torch.arange(1000))[0]
    none = to_unit_range(render_none(1000, 32, torch.Generator().manual_seed(12345)))
    read = shape_reader.shares(reader, real)
    assert read["named"] >= 0.85
    assert read["classes"] == 6
    assert shape_reader.shares(reader, none)["named"] <= 0.3
    # a blur a person reads through (0.8 px) still leaves most shapes named
    assert shape_reader.shares(reader, TF.gaussian_blur(real, 5, 0.8))["named"] >= 0.7
    # and smooth coloured smudges, which the classifier names as often as shapes, are refused
    g = torch.Generator().manual_seed(7)
    smudges = torch.nn.functional.interpolate(torch.rand(500, 3, 4, 4, generator=g) * 2 - 1, size=32,
                                              mode="bilinear", align_corners=False)
    assert shape_reader.shares(reader, smudges)["named"] <= 0.3


def test_evaluate_reports_the_share_the_reader_names(reader, tmp_path, monkeypatch) -> None:
    """`ganzoo eval --metrics named` (and --eval-metrics) give the reader's figures for the same
    samples; a model trained a few steps draws smudges, which it does not name; other data is
    refused in one line."""
    from click.testing import CliRunner

    import ganzoo
    from ganzoo.artifacts.loading import sample
    from ganzoo.cli import main
    from ganzoo.errors import GanzooError
    from ganzoo.services.evaluation import evaluate

    monkeypatch.setattr(shape_reader, "get_shape_reader", lambda image_size=32: reader)
    run = ganzoo.train("dcgan", "shapes", out=tmp_path, steps=3, batch_size=8, quiet=True, threads=1)
    result = evaluate(run.dir, n=300, metrics="named")
    expected = shape_reader.shares(reader, sample(run.dir, 300, seed=0))
    assert result["scores"] == {"named": expected["named"], "named_classes": expected["classes"]}
    assert result["scores"]["named"] <= 0.1
    assert "shapes reader" in result["provenance"]["named"]["judge"]
    shown = CliRunner().invoke(main, ["eval", str(run.dir), "--metrics", "named", "-n", "300"])
    assert shown.exit_code == 0 and "named_classes" in shown.output and "shapes reader v1" in shown.output
    digits = ganzoo.train("dcgan", "digits", out=tmp_path, steps=1, batch_size=8, quiet=True, threads=1)
    with pytest.raises(GanzooError, match="named metric reads the six shapes"):
        evaluate(digits.dir, n=50, metrics="named")
