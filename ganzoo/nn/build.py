"""Build a model family's ``GanModel`` from its spec: the one place a builder string is
imported and its result checked, used by the Trainer and by loading alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ganzoo.errors import GanzooError, ModelSettingsError
from ganzoo.nn.base import DataInfo
from ganzoo.nn.model import GanModel
from ganzoo.registry import ModelSpec, load_builder


def build_model(spec: ModelSpec, config: Mapping[str, Any], data_info: DataInfo) -> GanModel:
    """``spec``'s builder called with the resolved config and data description."""
    try:
        builder = load_builder(spec.builder)
    except (ImportError, AttributeError) as exc:
        raise GanzooError(f"model {spec.name!r}: cannot import its builder {spec.builder!r} ({exc}); "
                          f"reinstall its plugin {spec.plugin!r}.") from exc
    try:
        model = builder(dict(config), data_info)
    except ValueError as exc:  # a family's own check of its settings (image sizes it supports, ...)
        raise ModelSettingsError(f"model {spec.name!r} cannot be built with these settings: {exc}") from None
    if not isinstance(model, GanModel):
        raise GanzooError(f"builder {spec.builder!r} returned {type(model).__name__}, not a GanModel.")
    return model


def check_before_data(spec: ModelSpec, config: Mapping[str, Any]) -> None:
    """Build the nets once on a stand-in description of image data, before any data is
    prepared, so that an image size the model cannot take is refused at once (and no
    dataset is generated and cached at that size). Only a family's ``ValueError`` counts:
    anything else is left for the real build to report."""
    kinds = [k for k in spec.data_kinds if k in ("images", "labelled-images", "unpaired-images")]
    if config.get("image_size") is None or not kinds:
        return
    classes = ("a", "b") if kinds[0] == "labelled-images" else ()
    info = DataInfo("check", kinds[0], int(config["image_size"]), config.get("channels") or 3, classes)
    try:
        build_model(spec, config, info)
    except GanzooError:
        raise
    except Exception:  # noqa: BLE001 - the stand-in may not fit this family; the real build will tell
        pass
