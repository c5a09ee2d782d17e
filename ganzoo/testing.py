"""Checks a plugin's own tests can call: its shipped pretrained weights are what they claim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ganzoo.registry import WeightsSpec


def shipped_weights(model: str) -> list[tuple[WeightsSpec, Path]]:
    """Every weights entry of ``model`` with its packaged file, after checking that the file
    exists and that its size and sha256 are the ones the entry declares."""
    from ganzoo.download import local_path, sha256_of
    from ganzoo.plugins import get_host

    registry = get_host().registry
    found = []
    for spec in registry.weights_for(registry.get_model(model)):
        url = next((u for u in spec.urls if u.startswith("package://")), None)
        assert url is not None, f"{spec.name}: no package:// URL, so it does not work offline after installation"
        path = local_path(url)
        assert path.is_file(), f"{spec.name}: {path} is not in the installed distribution (package data?)"
        assert path.stat().st_size == spec.size, f"{spec.name}: size {path.stat().st_size} != declared {spec.size}"
        assert sha256_of(path) == spec.sha256, f"{spec.name}: sha256 differs from its entry"
        found.append((spec, path))
    assert found, f"model {model!r} ships no pretrained weights"
    return found


def assert_metrics_reproduce(spec: WeightsSpec, rel: float = 1e-3) -> dict[str, Any]:
    """Score the pretrained ``spec`` as its entry was scored (``ganzoo eval``'s defaults) and
    check that the figures it advertises come out again; returns the fresh scores."""
    from ganzoo.evaluation import evaluate

    scores = evaluate(spec.name)["scores"]
    for key, claimed in spec.metrics.items():
        got = scores[key]
        assert abs(got - claimed) <= rel * abs(claimed) + 1e-3, f"{spec.name}: {key} is {got}, the entry says {claimed}"
    return scores
