"""The core's feature extractors for FID-style scores, registered like any plugin's."""

from __future__ import annotations

from ganzoo.hookspecs import hookimpl
from ganzoo.registry import FeatureSpec


@hookimpl
def ganzoo_register_features(register):
    register(FeatureSpec(
        name="classifier",
        summary="ganzoo's small CNN trained once on a built-in dataset's real training split (128-d); offline.",
        builder="ganzoo.metrics.features:build_classifier",
        argument="[:<dataset>]",
    ))
    register(FeatureSpec(
        name="inception",
        summary="FID's Inception-v3 (pool3, 2048-d, TF1 resize to 299 px); weights downloaded once or given.",
        builder="ganzoo.metrics.features:build_inception",
        offline=False,
    ))
    register(FeatureSpec(
        name="timm",
        summary="Any timm backbone's pooled features: timm:<model> (e.g. timm:resnet18).",
        builder="ganzoo.metrics.features:build_timm",
        offline=False,
        argument=":<model>",
    ))
