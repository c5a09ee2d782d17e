"""The registry: spec validation and the names users type."""

from __future__ import annotations

import pytest

from ganzoo.errors import AmbiguousNameError, RegistrationError, UnknownModelError, UnknownWeightsError
from ganzoo.registry import DatasetSpec, ModelSpec, Registry, WeightsSpec, as_dict, split_tag


def model(name: str, task: str = "unconditional", **kw) -> ModelSpec:
    return ModelSpec(name=name, summary=f"{name} summary", task=task, builder="pkg.mod:build", **kw)


def weights(model_name: str, tag: str, default: bool = False) -> WeightsSpec:
    return WeightsSpec(model=model_name, tag=tag, urls=("https://x/y",), sha256="a" * 64, size=10, default=default)


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.add_all("ganzoo-dcgan", [model("dcgan"), weights("dcgan", "shapes", default=True), weights("dcgan", "digits")])
    reg.add_all("ganzoo-wgan", [model("wgan", "points-2d"), model("wgan-gp", "points-2d")])
    reg.add_all("ganzoo-cgan", [model("cgan", "conditional")])
    return reg


@pytest.mark.parametrize(
    "bad",
    [
        dict(name="DCGAN"),
        dict(name="dc.gan"),
        dict(name="1gan"),
        dict(builder="no_colon"),
        dict(task="Not A Task"),
        dict(data_kinds=("voxels",)),
        dict(presets={"Paper!": {"lr": 1.0}}),
        dict(presets={"paper": 256}),
    ],
)
def test_invalid_model_specs_are_refused_with_a_reason(bad: dict) -> None:
    fields = dict(name="ok", summary="s", task="unconditional", builder="a.b:c") | bad
    with pytest.raises(RegistrationError, match="ok|invalid|unknown|builder"):
        ModelSpec(**fields)


def test_specs_are_frozen_including_their_defaults() -> None:
    spec = model("dcgan", defaults={"lr": 2e-4})
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.defaults["lr"] = 1.0  # type: ignore[index]
    with_preset = model("cyclegan", presets={"paper": {"image_size": 256}})
    with pytest.raises(TypeError):
        with_preset.presets["paper"]["image_size"] = 64  # type: ignore[index]
    assert as_dict(with_preset)["presets"] == {"paper": {"image_size": 256}}


def test_weights_spec_demands_a_full_sha256_and_size() -> None:
    with pytest.raises(RegistrationError, match="sha256"):
        WeightsSpec(model="dcgan", tag="x", urls=("u",), sha256="abc", size=1)
    with pytest.raises(RegistrationError, match="size"):
        WeightsSpec(model="dcgan", tag="x", urls=("u",), sha256="a" * 64, size=0)
    with pytest.raises(RegistrationError, match="URL"):
        WeightsSpec(model="dcgan", tag="x", urls=(), sha256="a" * 64, size=1)


def test_dataset_spec_kind_must_be_known() -> None:
    with pytest.raises(RegistrationError, match="points-2d"):
        DatasetSpec(name="d", summary="s", kind_of_data="audio", builder="a:b")


def test_lookup_by_exact_qualified_and_tagged_name(registry: Registry) -> None:
    assert registry.get_model("dcgan").plugin == "ganzoo-dcgan"
    assert registry.get_model("ganzoo-dcgan:dcgan").name == "dcgan"
    assert registry.get_model("dcgan.shapes").name == "dcgan"
    assert registry.get_weights("dcgan.digits").tag == "digits"
    assert registry.get_weights("dcgan").tag == "shapes"  # the default tag
    assert registry.get_weights("ganzoo-dcgan:dcgan.shapes").default


def test_patterns_and_task_filter(registry: Registry) -> None:
    assert [m.name for m in registry.list_models("wgan*")] == ["wgan", "wgan-gp"]
    assert [m.name for m in registry.list_models("*gan", task="conditional")] == ["cgan"]
    assert [m.name for m in registry.list_models("ganzoo-wgan:*")] == ["wgan", "wgan-gp"]
    assert len(registry.list_models()) == 4


def test_unknown_name_suggests_close_names(registry: Registry) -> None:
    with pytest.raises(UnknownModelError) as err:
        registry.get_model("dcgna")
    assert "dcgan" in err.value.suggestions
    assert "Did you mean: dcgan" in str(err.value) and "ganzoo list" in str(err.value)
    with pytest.raises(UnknownModelError):
        registry.get_model("ganzoo-wgan:dcgan")  # right name, wrong distribution


def test_unknown_tag_lists_close_tags(registry: Registry) -> None:
    with pytest.raises(UnknownWeightsError, match="dcgan.shapes"):
        registry.get_weights("dcgan.shape")
    with pytest.raises(UnknownWeightsError):
        registry.get_weights("wgan")  # a model without pretrained weights


def test_a_name_from_two_distributions_is_ambiguous_and_names_both(registry: Registry) -> None:
    registry.add_all("ganzoo-other", [model("dcgan"), weights("dcgan", "faces")])
    with pytest.raises(AmbiguousNameError) as err:
        registry.get_model("dcgan")
    assert err.value.qualified == ["ganzoo-dcgan:dcgan", "ganzoo-other:dcgan"]
    assert registry.get_model("ganzoo-other:dcgan").plugin == "ganzoo-other"
    # each distribution's model keeps its own weights; nothing was overwritten
    assert [w.tag for w in registry.weights_for(registry.get_model("ganzoo-other:dcgan"))] == ["faces"]
    assert [w.tag for w in registry.weights_for(registry.get_model("ganzoo-dcgan:dcgan"))] == ["shapes", "digits"]


def test_a_plugin_registering_a_name_twice_adds_nothing(registry: Registry) -> None:
    before = len(registry.models)
    with pytest.raises(RegistrationError, match="twice"):
        registry.add_all("ganzoo-new", [model("fresh"), model("again"), model("again")])
    assert len(registry.models) == before
    with pytest.raises(UnknownModelError):
        registry.get_model("fresh")


def test_split_tag_and_as_dict() -> None:
    assert split_tag("dcgan.shapes") == ("dcgan", "shapes")
    assert split_tag("ganzoo-dcgan:dcgan") == ("ganzoo-dcgan:dcgan", None)
    data = as_dict(model("dcgan", defaults={"lr": 1}))
    assert data["defaults"] == {"lr": 1} and data["qualified_name"] == ":dcgan"
