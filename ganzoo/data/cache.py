"""Cache generated tensors under ``GANZOO_HOME/cache`` (safetensors, written atomically).

Procedural datasets are deterministic functions of their parameters, so a key made
of the generator's version and its parameters names the result exactly. Bump a
generator's version whenever its drawing code changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ganzoo.files import atomic_write
from ganzoo.paths import home


def cached_tensors(key: str, make: Callable[[], dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Load ``key`` from the cache, or ``make()`` it and store it for next time."""
    if os.environ.get("GANZOO_NO_CACHE"):
        return make()
    folder = home() / "cache"
    path = folder / f"{key}.safetensors"
    if path.exists():
        try:
            return load_file(path)
        except (SafetensorError, OSError, ValueError):
            path.unlink(missing_ok=True)  # a damaged cache entry is rebuilt, never trusted
    tensors = make()
    atomic_write(path, lambda tmp: save_file({k: v.contiguous() for k, v in tensors.items()}, tmp))
    return tensors
