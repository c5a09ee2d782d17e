"""A generator's categorical code (InfoGAN's, read from z): ``Generator.with_code`` and
``ganzoo sample --code / --per-code``."""

from __future__ import annotations

import torch
from click.testing import CliRunner
from PIL import Image

import ganzoo
from ganzoo.cli import main
from ganzoo.plugin import Generator


class Coded(Generator):
    """A stand-in generator with a code of 5 values."""

    def __init__(self) -> None:
        super().__init__(12)
        self.codes = 5

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return z


def test_with_code_swaps_the_largest_component_into_place() -> None:
    g, z = Coded(), torch.randn(4000, 12, generator=torch.Generator().manual_seed(0))
    picked = g.with_code(z, torch.full((4000,), 3))
    assert (g.code_of(picked) == 3).all()
    assert torch.equal(picked.sort(1).values, z.sort(1).values)  # the same components, reordered
    assert ((picked != z).sum(1) <= 2).all() and torch.equal(picked[:, 5:], z[:, 5:])  # two swapped at most
    already = g.code_of(z) == 3
    assert torch.equal(picked[already], z[already])  # a latent of that code is left as it is
    # distributed as the latents that have code 3 by chance: the same mean in each of the first 5
    # components (E[max of 5 normals] = 1.16 in place 3, -0.29 elsewhere), whereas unpicked latents are 0
    chance = z[g.code_of(z) == 3, :5].mean(0)
    assert torch.allclose(picked[:, :5].mean(0), chance, atol=0.1), (picked[:, :5].mean(0), chance)
    assert 1.0 < chance[3] < 1.35 and (chance[[0, 1, 2, 4]] < -0.15).all()


def test_a_code_is_the_shipped_samplers_own(tmp_path) -> None:
    """dcgan.shapes (code of 10): a picked code gives the images G draws from latents of that code."""
    g = ganzoo.load("dcgan.shapes")
    assert g.codes == 10
    images = ganzoo.sample("dcgan.shapes", 6, code=[4, 7], seed=3)
    z = g.sample_latent(6, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        expected = g(g.with_code(z, torch.tensor([4, 7, 4, 7, 4, 7]))).float()
    assert torch.allclose(images, expected, atol=1e-5)
    assert not torch.allclose(ganzoo.sample("dcgan.shapes", 6, code=4, seed=3), images, atol=1e-2)
    grid = ganzoo.sample_grid("dcgan.shapes", tmp_path / "codes.png", per_code=3)
    assert Image.open(grid).size == (3 * 34 + 2, 10 * 34 + 2)  # one row per code


def test_cli_code_options_and_their_one_line_errors(tmp_path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["sample", "dcgan.shapes", "--code", "0,9", "-n", "4", "--out", str(tmp_path / "a.pt")])
    assert done.exit_code == 0 and "wrote 4 images" in done.output, done.output
    assert torch.load(tmp_path / "a.pt").shape == (4, 3, 32, 32)
    for args, code, message in [
        (["cgan.digits", "--code", "1"], 1, "this model has no categorical code: it takes no code"),
        (["dcgan.shapes", "--labels", "1"], 1, "this model is unconditional: it takes no labels"),
        (["dcgan.shapes", "--code", "10"], 1, "codes [10] are out of range: this model has codes 0..9"),
        (["dcgan.shapes", "--code", "x"], 1, "--code takes comma-separated numbers"),
        (["dcgan.shapes", "--per-code", "2", "--per-label", "2"], 2, "--per-label or --per-code, not both"),
        (["dcgan.shapes", "--per-code", "2", "-n", "5"], 2, "does not match --per-code 2 x 10 codes"),
    ]:
        result = runner.invoke(main, ["sample", *args, "--out", str(tmp_path / "x.png")])
        assert result.exit_code == code and message in result.output, (args, result.output)
        assert "Traceback" not in result.output and (code == 2 or len(result.output.strip().splitlines()) == 1)


def test_labels_and_codes_together_and_bad_lists() -> None:
    """For a model both conditional and coded: K of each code, the labels cycling over them;
    the grid's rows follow whichever was asked K of each. Bad lists are one-line errors."""
    import pytest

    from ganzoo.artifacts.picks import plan_picks
    from ganzoo.errors import GanzooError

    picks = plan_picks(5, classes=3, codes=4, labels=[0, 1, 2], per_code=2)
    assert picks.n == 8 and picks.codes.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert picks.labels.tolist() == [0, 1, 2, 0, 1, 2, 0, 1] and picks.rows is picks.codes
    picks = plan_picks(100, classes=3, codes=4, labels=[2, 0], code=[3, 1, 2])
    assert picks.labels.tolist()[64:67] == [2, 0, 2] and picks.codes.tolist()[63:66] == [3, 1, 2]
    assert picks.rows is picks.labels  # runs of one: a square grid
    for kwargs, message in [({"code": []}, "must list at least one value"), ({"code": [1.7]}, "whole numbers"),
                            ({"per_code": 2, "code": []}, "must list at least one value"),
                            ({"per_code": 2, "per_label": 2}, "not both")]:
        with pytest.raises(GanzooError, match=message):
            plan_picks(4, classes=3, codes=4, **kwargs)
