"""Device, precision and thread choices, made once per run and recorded in its config."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

import torch

from ganzoo.errors import GanzooError


def pick_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank)
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise GanzooError("--device cuda was asked for, but torch sees no CUDA GPU. Use --device auto or cpu.")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise GanzooError("--device mps was asked for, but MPS is not available here. Use --device auto or cpu.")
    return torch.device(name, local_rank) if name == "cuda" else torch.device(name)


def native_bf16(device: torch.device) -> bool:
    """Whether bf16 runs in hardware here (AVX-512 BF16 or AMX on CPUs; Ampere+ GPUs).
    ``GANZOO_NO_BF16=1`` answers no, so a machine with bf16 can time what one without it does."""
    if os.environ.get("GANZOO_NO_BF16", "") not in ("", "0"):
        return False
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
                    or getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())
    return False


def autocast_factory(device: torch.device, precision: str) -> Callable[[], contextlib.AbstractContextManager]:
    if precision == "fp32":
        return contextlib.nullcontext
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return lambda: torch.autocast(device.type, dtype=dtype)


def pick_threads(requested: int | None, convolutional: bool, local_size: int = 1) -> int:
    """Tiny MLPs run fastest on one thread (measured on 2 cores); conv nets use the cores
    this process has, shared between the ``local_size`` DDP processes on this machine."""
    if requested:
        return int(requested)
    if not convolutional:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // max(local_size, 1))
