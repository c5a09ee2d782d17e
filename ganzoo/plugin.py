"""The public API for plugin authors: everything a ganzoo plugin imports, in one module.

```python
# ganzoo_mygan/plugin.py: the entry module (no torch: `ganzoo list` stays instant)
from ganzoo.plugin import ModelSpec, Paper, hookimpl

GANZOO_PLUGIN_API = ">=1.0,<2"   # the plugin-API versions this plugin supports

# ganzoo_mygan/model.py: the nets and the training step (torch lives here)
from ganzoo.plugin import AdversarialLoss, DataInfo, Discriminator, GanModel, Generator, StepContext
```

Names fall in two groups. The *declarative* ones (`hookimpl`, the spec classes,
`PLUGIN_API`, `DATA_KINDS`, `KNOWN_TASKS`, and the transport errors `DownloadError`
and `PushError`) import no torch, so an entry module can
use them and keep `ganzoo list` fast. The *torch* ones (the abstract nets, `GanModel`,
`StepContext`, `DataInfo`, the loss base and the shared layers) are imported the first
time one is asked for, so `from ganzoo.plugin import Generator` in a model module
costs what importing torch costs, and the entry module never pays it.

Everything listed in `__all__` is the versioned plugin API (`PLUGIN_API`, "MAJOR.MINOR":
a minor version only adds, a major one may break; 1.4 added ``r1_penalty`` and ``ModelSpec.legacy``; 1.3 added a model spec's builder naming
the `GanModel` class itself and `GanModel`'s default Adam `build_optimizers`, and a plugin
written for 1.2, with a `build` function and its own optimisers, loads as before). Any
other module of ganzoo (`ganzoo.nn`, `ganzoo.losses`, `ganzoo.registry`, ...) is internal
and may change in any release.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ganzoo.errors import DownloadError, PushError
from ganzoo.hookspecs import PLUGIN_API, hookimpl
from ganzoo.specs import DATA_KINDS, KNOWN_TASKS, DatasetSpec, FeatureSpec, LossSpec, ModelSpec, Paper, WeightsSpec

if TYPE_CHECKING:
    from ganzoo.losses import AdversarialLoss, build_loss, gradient_penalty
    from ganzoo.nn import (
        DataInfo,
        Discriminator,
        GanModel,
        Generator,
        ImageToImageGenerator,
        Net,
        StepContext,
        StyleGenerator,
    )
    from ganzoo.nn.augment import Augment, diff_augment
    from ganzoo.nn.layers import ConvDiscriminator, ConvGenerator, images_of, init_dcgan, mlp, sample_shape

__all__ = [
    # declarative, no torch
    "DATA_KINDS",
    "KNOWN_TASKS",
    "PLUGIN_API",
    "DatasetSpec",
    "FeatureSpec",
    "LossSpec",
    "ModelSpec",
    "Paper",
    "WeightsSpec",
    "hookimpl",
    # transport plugins (ganzoo_fetch_weights, ganzoo_push_weights): raise these with a one-line reason (1.2)
    "DownloadError",
    "PushError",
    # nets and the training step (torch)
    "DataInfo",
    "Discriminator",
    "GanModel",
    "Generator",
    "ImageToImageGenerator",
    "Net",
    "StepContext",
    "StyleGenerator",
    # differentiable augmentation of D's inputs (torch; steps reach the run's own as ctx.augment) (1.2)
    "Augment",
    "diff_augment",
    # losses (torch)
    "AdversarialLoss",
    "Loss",
    "build_loss",
    "gradient_penalty",
    "r1_penalty",  # (1.4)
    # shared layers (torch)
    "ConvDiscriminator",
    "ConvGenerator",
    "images_of",
    "init_dcgan",
    "layers",
    "mlp",
    "sample_shape",
]

#: torch-backed names: where each lives, imported on first use
_LAZY = {
    "DataInfo": "ganzoo.nn.base",
    "Discriminator": "ganzoo.nn.base",
    "Generator": "ganzoo.nn.base",
    "ImageToImageGenerator": "ganzoo.nn.base",
    "Net": "ganzoo.nn.base",
    "GanModel": "ganzoo.nn.model",
    "StepContext": "ganzoo.nn.model",
    "StyleGenerator": "ganzoo.nn.base",
    "Augment": "ganzoo.nn.augment",
    "diff_augment": "ganzoo.nn.augment",
    "AdversarialLoss": "ganzoo.losses",
    "Loss": "ganzoo.losses:AdversarialLoss",
    "build_loss": "ganzoo.losses",
    "gradient_penalty": "ganzoo.losses",
    "r1_penalty": "ganzoo.losses",
    "ConvDiscriminator": "ganzoo.nn.layers",
    "ConvGenerator": "ganzoo.nn.layers",
    "images_of": "ganzoo.nn.layers",
    "init_dcgan": "ganzoo.nn.layers",
    "mlp": "ganzoo.nn.layers",
    "sample_shape": "ganzoo.nn.layers",
    "layers": "ganzoo.nn.layers:",
}


def __getattr__(name: str) -> Any:
    """Import a torch-backed name of the API when it is first asked for (PEP 562)."""
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'ganzoo.plugin' has no attribute {name!r}")
    module, _, attr = where.partition(":")
    loaded = importlib.import_module(module)
    value = loaded if where.endswith(":") else getattr(loaded, attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
