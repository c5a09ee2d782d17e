"""Plugin API 1.x stays compatible: a plugin written for 1.2 (a function builder, its own
Adam ``build_optimizers``) loads, is listed, trains and samples under this ganzoo; and the
1.3 additions (the ``GanModel`` class as builder, the default Adam optimisers) build what a
function builder and the per-family code built."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.artifacts.checkpoint import load as load_checkpoint
from ganzoo.errors import GanzooError
from ganzoo.hookspecs import PLUGIN_API
from ganzoo.host import get_host, reset_host
from ganzoo.nn.base import DataInfo
from ganzoo.nn.build import build_model
from ganzoo.nn.model import GanModel
from ganzoo.registry import ModelSpec

POINTS = DataInfo("ring", "points-2d", None, None, ())
CONFIG = {"latent_dim": 4, "hidden": 8, "lr": 1e-3, "loss": "non-saturating"}


@pytest.fixture
def api12(fixture_site, monkeypatch: pytest.MonkeyPatch):
    """The process-wide host with only the 1.2 fixture plugin installed."""
    fixture_site("ganzoo-fixture-api12")
    monkeypatch.setenv("GANZOO_LOAD_PLUGINS", "ganzoo-fixture-api12")
    previous = reset_host(None)
    yield
    reset_host(previous)


def spec(builder: str) -> ModelSpec:
    return ModelSpec(name="oldgan", summary="s", task="points-2d", builder=builder, data_kinds=("points-2d",))


def test_a_plugin_written_for_1_2_loads_is_listed_trains_and_samples(api12, tmp_path: Path) -> None:
    assert PLUGIN_API != "1.2"
    info = next(p for p in get_host().plugins if p.name == "ganzoo-fixture-api12")
    assert (info.status, info.api, info.registered) == ("ok", ">=1.2,<2", {"model": ["oldgan"]})
    assert [s.name for s in ganzoo.list_models()] == ["oldgan"]
    run = ganzoo.train("oldgan", "ring", out=tmp_path, steps=4, quiet=True, device="cpu", sample_every=4,
                       checkpoint_every=4)
    state = load_checkpoint(run.dir / "checkpoints" / "last.pt")
    assert state["step"] == 4
    betas = {name: tuple(opt["param_groups"][0]["betas"]) for name, opt in state["optimizers"].items()}
    assert betas == {"G": (0.5, 0.99), "D": (0.5, 0.99)}  # its own optimisers, not the default's 0.999
    points = ganzoo.sample(run.dir, n=16, seed=1)
    assert points.shape == (16, 2) and torch.isfinite(points).all()


def test_a_class_builder_and_a_function_builder_build_the_same_model(api12) -> None:
    built = {}
    for builder in ("ganzoo_fixture_api12:build", "ganzoo_fixture_api12:OldGAN"):
        torch.manual_seed(0)
        built[builder] = build_model(spec(builder), CONFIG, POINTS)
    by_function, by_class = built.values()
    assert type(by_function) is type(by_class)
    for a, b in zip(by_function.iter_parameters(), by_class.iter_parameters(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(GanzooError, match="is the class OldGenerator, not a GanModel subclass"):
        build_model(spec("ganzoo_fixture_api12:OldGenerator"), CONFIG, POINTS)


def test_the_default_optimisers_are_the_adam_a_family_wrote(api12) -> None:
    from ganzoo_fixture_api12 import OldGAN

    class NewGAN(OldGAN):  # a family of 1.3 writes no build_optimizers
        build_optimizers = GanModel.build_optimizers

    settings = {**CONFIG, "beta1": 0.5, "beta2": 0.99}
    old, new = OldGAN(settings, POINTS), NewGAN(settings, POINTS)
    for mine, default in zip(old.build_optimizers().values(), new.build_optimizers().values(), strict=True):
        assert type(mine) is type(default) and mine.defaults == default.defaults
        assert [p.shape for p in mine.param_groups[0]["params"]] == [p.shape for p in default.param_groups[0]["params"]]
    assert new.opt_g.param_groups[0]["params"][0] is next(new.G.parameters())
    ttur = NewGAN({**settings, "lr_d": 4e-3}, POINTS).build_optimizers()
    assert (ttur["G"].defaults["lr"], ttur["D"].defaults["lr"]) == (1e-3, 4e-3)
    plain = NewGAN(CONFIG, POINTS).build_optimizers()  # no beta1 / beta2 settings: 0.5 and Adam's 0.999
    assert plain["D"].defaults["betas"] == (0.5, 0.999) and plain["D"].defaults["lr"] == 1e-3
    nameless = NewGAN(CONFIG, POINTS)
    del nameless.D
    with pytest.raises(TypeError, match="has no net D.*adam_optimizers"):
        nameless.build_optimizers()
