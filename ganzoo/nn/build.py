"""Build a model family's ``GanModel`` from its spec: the one place a builder string is
imported and its result checked, used by the Trainer and by loading alike, so a class
builder and a function builder behave the same everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ganzoo.errors import GanzooError, ModelSettingsError
from ganzoo.nn.augment import refuse_augment
from ganzoo.nn.base import DataInfo
from ganzoo.nn.model import GanModel
from ganzoo.registry import ModelSpec, load_builder


def build_model(spec: ModelSpec, config: Mapping[str, Any], data_info: DataInfo) -> GanModel:
    """``spec``'s builder called with the resolved config and data description. The builder
    is the family's ``GanModel`` subclass itself, or (as plugins written for plugin API 1.2
    and before have it) a function ``build(config, data)`` returning one; both are called alike."""
    try:
        builder = load_builder(spec.builder)
    except (ImportError, AttributeError) as exc:
        raise GanzooError(f"model {spec.name!r}: cannot import its builder {spec.builder!r} ({exc}); "
                          f"reinstall its plugin {spec.plugin!r}.") from exc
    if isinstance(builder, type) and not issubclass(builder, GanModel):  # named the wrong class (its Generator?)
        raise GanzooError(f"model {spec.name!r}: builder {spec.builder!r} is the class {builder.__name__}, "
                          "not a GanModel subclass nor a function returning one.")
    try:
        model = builder(dict(config), data_info)
    except ValueError as exc:  # a family's own check of its settings (image sizes it supports, ...)
        raise ModelSettingsError(f"model {spec.name!r} cannot be built with these settings: {exc}") from None
    if not isinstance(model, GanModel):
        raise GanzooError(f"builder {spec.builder!r} returned {type(model).__name__}, not a GanModel.")
    return model


def check_before_data(spec: ModelSpec, config: Mapping[str, Any], data_kind: str | None = None) -> None:
    """Every refusal that needs no data, made before any data is prepared: the data's kind
    (``data_kind``, from ``ganzoo.data.kind_of``) against ``--augment``, and the nets built once
    on a stand-in description of image data, so that an image size the model cannot take, or
    ``--augment`` with a model whose D step does not augment, is refused at once (and no
    dataset is generated and cached at that size). Only a family's ``ValueError`` counts:
    anything else is left for the real build to report."""
    refuse_augment(config.get("augment", "none"), data_kind)
    kinds = [k for k in spec.data_kinds if k in ("images", "labelled-images", "unpaired-images")]
    if data_kind in kinds:
        kinds = [data_kind]
    if config.get("image_size") is None or not kinds:
        return
    classes = ("a", "b") if kinds[0] == "labelled-images" else ()
    info = DataInfo("check", kinds[0], int(config["image_size"]), config.get("channels") or 3, classes)
    try:
        model = build_model(spec, config, info)
    except GanzooError:
        raise
    except Exception:  # noqa: BLE001 - the stand-in may not fit this family; the real build will tell
        return
    refuse_augment(config.get("augment", "none"), data_kind, model)
