"""``ganzoo mix`` and ``ganzoo interpolate``: the style-mixing figure of a style model
and looping latent walks of any image model, from Python and from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.artifacts.loading import load_model
from ganzoo.services.styles import interpolate, mix, slerp

TINY = {"width": 8, "max_width": 16, "latent_dim": 16, "mapping_layers": 2, "batch_size": 8}


@pytest.fixture(scope="module")
def style_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A StyleGAN-lite run of a few steps: enough for a w_avg and nets to mix."""
    out = tmp_path_factory.mktemp("styles")
    run = ganzoo.train("stylegan-lite", "shapes", out=out, quiet=True, steps=4, sample_every=10**6,
                       checkpoint_every=10**6, precision="fp32", **TINY)
    return run.dir


def test_each_cell_has_its_rows_coarse_styles_and_its_columns_fine_ones(style_run: Path) -> None:
    loaded = load_model(style_run)
    g = loaded.nets["G"]
    result = mix(loaded, rows=3, cols=5, crossover=3, seed=7)
    assert result.rows.shape == (3, 3, 32, 32) and result.cols.shape == (5, 3, 32, 32)
    assert result.cells.shape == (3, 5, 3, 32, 32)
    generator = torch.Generator().manual_seed(7)
    w_rows = g.mapping(torch.randn(3, 16, generator=generator))
    w_cols = g.mapping(torch.randn(5, 16, generator=generator))
    with torch.no_grad():
        expected = g.synthesis(torch.cat([g.broadcast(w_rows[1:2])[:, :3], g.broadcast(w_cols[4:5])[:, 3:]], dim=1))
        assert torch.allclose(result.cells[1, 4], expected[0], atol=1e-5)
        assert torch.allclose(result.rows[2], g.synthesis(g.broadcast(w_rows[2:3]))[0], atol=1e-5)
    images, nrow = result.figure()
    assert nrow == 6 and len(images) == 4 * 6 and torch.equal(images[0], torch.ones(3, 32, 32))  # white corner
    assert torch.equal(images[1:6], result.cols) and torch.equal(images[6], result.rows[0])


def test_interpolation_walks_a_closed_loop_through_its_keys(style_run: Path) -> None:
    loaded = load_model(style_run)
    g = loaded.nets["G"]
    walk = interpolate(loaded, frames=8, n=2, keys=4, seed=1)
    assert walk.shape == (8, 2, 3, 32, 32) and walk.abs().max() <= 1
    z = torch.randn(4, 2, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        for frame, key in ((0, 0), (2, 1), (4, 2), (6, 3)):  # every second frame is a key
            assert torch.allclose(walk[frame], g.synthesis(g.broadcast(g.mapping(z[key]))), atol=1e-5)
        # between keys: the image of the midpoint in W, not of a midpoint in z
        mid = interpolate(loaded, frames=8, n=2, keys=4, seed=1)[1]
        w_mid = torch.lerp(g.mapping(z[0]), g.mapping(z[1]), 0.5)
        assert torch.allclose(mid, g.synthesis(g.broadcast(w_mid)), atol=1e-5)


def test_slerp_keeps_to_the_sphere_and_hits_its_ends() -> None:
    a, b = torch.randn(6, 64), torch.randn(6, 64)
    b = b / b.norm(dim=1, keepdim=True) * a.norm(dim=1, keepdim=True)
    assert torch.allclose(slerp(a, b, 0.0), a, atol=1e-5) and torch.allclose(slerp(a, b, 1.0), b, atol=1e-5)
    mid = slerp(a, b, 0.5)
    assert torch.allclose(mid.norm(dim=1), a.norm(dim=1), rtol=1e-4)  # a straight line would dip inside
    assert (torch.lerp(a, b, 0.5).norm(dim=1) < a.norm(dim=1)).all()
    assert torch.allclose(slerp(a, a.clone(), 0.3), a, atol=1e-5)  # parallel: no division by zero


def test_sampling_a_style_model_truncates_in_w(style_run: Path) -> None:
    average = ganzoo.sample(style_run, 5, seed=2, truncation=0.0)
    assert torch.allclose(average, average[:1].expand(5, -1, -1, -1))  # psi 0: every sample is the average image
    assert not torch.allclose(ganzoo.sample(style_run, 5, seed=2, truncation=0.5), average)
    assert torch.equal(ganzoo.sample(style_run, 5, seed=2, truncation=1.0), ganzoo.sample(style_run, 5, seed=2))
    result = ganzoo.mix(style_run, rows=2, cols=2, truncation=0.0)
    assert torch.allclose(result.cells, average[0].expand(2, 2, -1, -1, -1), atol=1e-5)


def test_mix_and_interpolate_from_the_command_line(style_run: Path, run_cli, tmp_path: Path) -> None:
    done = run_cli("mix", str(style_run), "--rows", "2", "--cols", "3", "--crossover", "2", "--out", str(tmp_path / "m.png"))
    assert done.returncode == 0, done.stderr
    assert "2 x 3 style-mixing figure (coarse layers 0-1 from the rows" in done.stdout
    assert Image.open(tmp_path / "m.png").size == (4 * 34 + 2, 3 * 34 + 2)  # (cols + 1) x (rows + 1) images, 2 px padding
    done = run_cli("interpolate", str(style_run), "--frames", "6", "-n", "3", "--out", str(tmp_path / "w.gif"))
    assert done.returncode == 0, done.stderr
    assert "6 frames of 3 walk(s) in W (lerp)" in done.stdout
    gif = Image.open(tmp_path / "w.gif")
    assert gif.n_frames == 6 and gif.size == (3 * 34 + 2, 36) and gif.info.get("loop") == 0


def test_dcgan_interpolates_in_z_but_has_no_styles_to_mix(run_cli, tmp_path: Path) -> None:
    done = run_cli("interpolate", "dcgan.shapes", "--frames", "4", "--out", str(tmp_path / "d.gif"))
    assert done.returncode == 0, done.stderr
    assert "in z (slerp)" in done.stdout and Image.open(tmp_path / "d.gif").n_frames == 4
    done = run_cli("mix", "dcgan.shapes", "--out", str(tmp_path / "m.png"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "has no styles" in done.stderr and "stylegan-lite" in done.stderr and not (tmp_path / "m.png").exists()


@pytest.mark.parametrize(("args", "code", "message"), [
    (("interpolate", "vanilla.ring", "--out", "w.gif"), 1, "draws 2-D points"),
    (("interpolate", "cyclegan.sketches2photos", "--out", "w.gif"), 1, "translates images"),
    (("interpolate", "dcgan.shapes", "--out", "w.png"), 2, "must end in .gif"),
    (("interpolate", "dcgan.shapes", "--frames", "1", "--out", "w.gif"), 1, "--frames >= 2"),
    (("mix", "dcgan.shapes", "--out", "m.gif"), 2, "must end in .png"),
])
def test_bad_requests_get_one_clear_line(args, code: int, message: str, run_cli, tmp_path: Path) -> None:
    args = tuple(str(tmp_path / a) if a.endswith((".gif", ".png")) else a for a in args)
    done = run_cli(*args)
    assert done.returncode == code and message in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_crossover_outside_the_layers_is_refused(style_run: Path, run_cli, tmp_path: Path) -> None:
    done = run_cli("mix", str(style_run), "--crossover", "8", "--out", str(tmp_path / "m.png"))
    assert done.returncode == 1 and "--crossover must be a layer between 1 and 7" in done.stderr, done.stderr
