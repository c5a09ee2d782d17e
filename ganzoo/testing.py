"""ganzoo's conformance kit for plugin authors: a pytest plugin (entry point ``pytest11``)
that checks a distribution's models honour ganzoo's contracts, and the helpers a plugin's
own tests need. With ``ganzoo`` (the API) and ``ganzoo.plugin`` (what plugins import), it is
all a plugin's tests import of ganzoo: every other module is internal.

```python
# tests/test_mygan_conformance.py of a plugin: the whole file
from ganzoo.testing import conformance_for

TestConformance = conformance_for("ganzoo-mygan")   # checks every model it registers
```

The kit finds the distribution's models in the registry and makes each small by itself:
with the spec's preset ``tiny`` where it has one, else by cutting down the net and image
sizes among its defaults (``tiny_settings``). The subclass form tunes it further:

```python
from ganzoo.testing import PluginConformance


class TestConformance(PluginConformance):
    distribution = "ganzoo-mygan"
    tiny = {"mygan": {"width": 8}}           # settings that make a model small
```

Each check is a test method, parametrised over the distribution's models (and the forward
check over every data kind a model accepts): the plugin loads and its entry module imports
no torch; the spec is valid and its builder imports; the nets subclass ganzoo's abstract
nets and the optimisers cover them; forward shapes are right; ``train_step`` returns
detached, finite scalar tensors; a few Trainer steps on a tiny built-in set are finite; a
checkpoint round trip and a resume are exact; samples are deterministic by seed; every
weights entry verifies and loads. Everything runs on the CPU with tiny settings (seconds per
model). Pytest imports this module at start-up, so it imports no torch itself: the checks
and helpers import what they need when they run.

Helpers for a plugin's own tests:

- models and runs: ``build_model``, ``step_context``, ``fixed_run``, ``load_model``,
  ``load_checkpoint``;
- pretrained weights: ``shipped_weights``, ``assert_metrics_reproduce``;
- judges of learning: ``judge_images``, ``judge_points``, ``judge_translation``,
  ``read_shapes``, ``classify``, ``classifier_features``, ``frechet_distance``, ``real_images``;
- transport plugins: ``download``, ``ChecksumError``, ``check_push_url``, ``call_hook``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ganzoo.conformance import PluginConformance, conformance_for, tiny_settings
from ganzoo.kit_helpers import (
    ChecksumError,
    assert_metrics_reproduce,
    build_model,
    call_hook,
    check_push_url,
    classifier_features,
    classify,
    download,
    fixed_run,
    frechet_distance,
    judge_translation,
    load_checkpoint,
    load_model,
    real_images,
    shipped_weights,
    step_context,
)
from ganzoo.metrics.judges import judge_images, judge_points, read_shapes

__all__ = [
    # the conformance kit
    "PluginConformance",
    "conformance_for",
    "tiny_settings",
    # models and runs
    "build_model",
    "fixed_run",
    "load_checkpoint",
    "load_model",
    "step_context",
    # pretrained weights
    "assert_metrics_reproduce",
    "shipped_weights",
    # judges of learning
    "classifier_features",
    "classify",
    "frechet_distance",
    "judge_images",
    "judge_points",
    "judge_translation",
    "read_shapes",
    "real_images",
    # transport plugins
    "ChecksumError",
    "call_hook",
    "check_push_url",
    "download",
]


# -- the pytest plugin ----------------------------------------------------------------------
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise a ``PluginConformance`` class's checks over its distribution's models."""
    cls = metafunc.cls
    if cls is None or not issubclass(cls, PluginConformance) or "ganzoo_model" not in metafunc.fixturenames:
        return
    models = cls.models()
    if "ganzoo_kind" in metafunc.fixturenames:
        pairs = [(m, k) for m in models for k in cls.kinds(m)] or [(None, None)]
        metafunc.parametrize(("ganzoo_model", "ganzoo_kind"), pairs,
                             ids=[f"{m}-{k}" if m else "no-models" for m, k in pairs])
    else:
        metafunc.parametrize("ganzoo_model", models or [None], ids=models or ["no-models"])


@pytest.fixture(scope="session")
def ganzoo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GANZOO_HOME of the test session's own (data caches, downloaded weights)."""
    return tmp_path_factory.mktemp("ganzoo-home")
