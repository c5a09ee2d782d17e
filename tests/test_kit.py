"""The conformance kit finds a distribution's models and sizes them by itself, so a plugin's
conformance test is one line; the old subclass form keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganzoo.plugin import ModelSpec
from ganzoo.testing import PluginConformance, conformance_for, tiny_settings


def spec(defaults: dict, presets: dict | None = None) -> ModelSpec:
    return ModelSpec(name="m", summary="s", task="unconditional", builder="x.y:build", data_kinds=("images",),
                     defaults=defaults, presets=presets or {})


def test_tiny_settings_cut_the_sizes_among_the_defaults_down() -> None:
    defaults = {"width": 64, "max_width": 512, "hidden": 8, "latent_dim": 100, "image_size": 64, "layers": 3,
                "lr": 2e-4, "ema": True, "loss": "hinge"}
    assert tiny_settings(spec(defaults)) == {"width": 8, "max_width": 16, "hidden": 8, "latent_dim": 16,
                                             "image_size": 32, "layers": 1}  # never raised, only sizes
    assert tiny_settings(spec({"lr": 1e-3})) == {}


def test_a_tiny_preset_is_the_models_own_choice() -> None:
    assert tiny_settings(spec({"width": 64, "depth": 9}, {"tiny": {"width": 4, "depth": 2}})) == {"width": 4, "depth": 2}


def test_conformance_for_makes_the_kits_test_class() -> None:
    cls = conformance_for("ganzoo-dcgan")
    assert issubclass(cls, PluginConformance) and cls.__name__ == "TestConformance"
    assert cls.distribution == "ganzoo-dcgan" and cls.__module__ == __name__
    assert cls.models() == ["dcgan"]
    settings = cls().settings("dcgan")
    assert settings["width"] == 8 and settings["latent_dim"] == 16 and settings["steps"] == 3
    tuned = conformance_for("ganzoo-dcgan", tiny={"dcgan": {"width": 4}}, batch_size=4)
    assert tuned().settings("dcgan")["width"] == 4 and "latent_dim" not in tuned().settings("dcgan")  # as given
    assert tuned.batch_size == 4 and PluginConformance.batch_size == 8
    with pytest.raises(TypeError, match="not tinny"):
        conformance_for("ganzoo-dcgan", tinny={})


def test_the_subclass_form_still_sizes_models_as_it_says() -> None:
    class TestOld(PluginConformance):
        distribution = "ganzoo-wgan"
        tiny = {"wgan": {"hidden": 32}}

    assert TestOld.models() == ["wgan", "wgan-gp"]
    assert TestOld().settings("wgan")["hidden"] == 32 and "layers" not in TestOld().settings("wgan")
    assert TestOld().settings("wgan-gp")["hidden"] == 16 and TestOld().settings("wgan-gp")["layers"] == 1


def test_without_a_name_the_distribution_is_the_test_files_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "ganzoo-mine"\nversion = "0.1"\n')
    test = tmp_path / "tests" / "test_mine_conformance.py"
    test.parent.mkdir()
    test.write_text("from ganzoo.testing import conformance_for\n\nTestConformance = conformance_for()\n")
    namespace = {"__file__": str(test), "__name__": "test_mine_conformance"}
    exec(compile(test.read_text(), str(test), "exec"), namespace)  # noqa: S102 - as pytest imports it
    assert namespace["TestConformance"].distribution == "ganzoo-mine"
    assert namespace["TestConformance"].__module__ == "test_mine_conformance"
    with pytest.raises(ValueError, match="name the distribution"):  # no pyproject.toml above /
        exec(compile(test.read_text(), "/x.py", "exec"), {"__file__": "/x.py", "__name__": "x"})  # noqa: S102
