"""``--precision auto``: bf16 autocast only where it is *measured* faster for this model.

bf16 is no free lunch: on this project's 2-core CPU it made DCGAN-64 1.75x faster but
the digits CGAN 3x slower, and on an H100 it lost at batch 64 and won at 256. So for a
convolutional model on a device with native bf16, ``auto`` times a few training steps
of the actual model, at the run's batch size, in fp32 and in bf16 (interleaved), and
picks bf16 only if it is at least ``MARGIN`` faster. The verdict is cached per machine,
model and shape in ``GANZOO_HOME/precision.json``, so a machine measures each once.
MLPs on 2D points stay fp32 (bf16's 8-bit mantissa is coarser than a ring's std).
"""

from __future__ import annotations

import hashlib
import json
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from ganzoo.files import atomic_write
from ganzoo.nn.base import DataInfo
from ganzoo.nn.build import build_model
from ganzoo.nn.model import StepContext
from ganzoo.paths import home
from ganzoo.registry import ModelSpec
from ganzoo.training.device import autocast_factory, native_bf16

MARGIN = 1.10
#: warm-up steps per precision (bf16 kernels are built on first use), then timed steps,
#: one of each precision in turn so that a machine's load falls on both alike
WARMUP, STEPS = 2, 5


def machine(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "cpu":
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
    return f"{device.type} {platform.processor()}"


def cache_key(device: torch.device, what: str) -> str:
    text = f"{machine(device)}|torch {torch.__version__}|{torch.get_num_threads()} threads|{what}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _cache_path() -> Path:
    return home() / "precision.json"


def _read_cache() -> dict[str, dict]:
    try:
        return json.loads(_cache_path().read_text())
    except (OSError, ValueError):
        return {}


def measure(step: Callable[[str], Callable[[], None]], device: torch.device) -> dict[str, float]:
    """Median seconds per step in fp32 and bf16: ``step(precision)`` returns a function that
    runs one training step of a fresh model in that precision. Steps alternate between the
    two, and medians ignore a step slowed by something else on the machine."""
    runners = {p: step(p) for p in ("fp32", "bf16")}
    for _ in range(WARMUP):
        for run in runners.values():
            run()
    times: dict[str, list[float]] = {p: [] for p in runners}
    for _ in range(STEPS):
        for p, run in runners.items():
            _sync(device)
            start = time.perf_counter()
            run()
            _sync(device)
            times[p].append(time.perf_counter() - start)
    return {p: statistics.median(t) for p, t in times.items()}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def resolve(requested: str, device: torch.device, convolutional: bool, what: str,
            step: Callable[[str], Callable[[], None]], say: Callable[[str], None] = lambda _: None) -> tuple[str, str]:
    """The precision to train in, and why (for the run's config and first lines)."""
    if requested != "auto":
        return requested, "asked for"
    if not convolutional:
        return "fp32", "auto: MLP model"
    if not native_bf16(device):
        return "fp32", "auto: no native bf16 on this device"
    key = cache_key(device, what)
    cache = _read_cache()
    if key not in cache:
        say(f"measuring fp32 against bf16 for this model on this machine (once; cached in {_cache_path()}) ...")
        timing = measure(step, device)
        cache = _read_cache()
        cache[key] = {"what": what, "machine": machine(device), "fp32_s": timing["fp32"], "bf16_s": timing["bf16"]}
        text = json.dumps(cache, indent=1, sort_keys=True) + "\n"
        atomic_write(_cache_path(), lambda tmp: Path(tmp).write_text(text))
    entry = cache[key]
    speedup = entry["fp32_s"] / max(entry["bf16_s"], 1e-12)
    choice = "bf16" if speedup >= MARGIN else "fp32"
    return choice, f"auto: bf16 measured {speedup:.2f}x fp32 here"


def step_factory(spec: ModelSpec, config: Mapping[str, Any], info: DataInfo, device: torch.device,
                 channels_last: bool) -> Callable[[str], Callable[[], None]]:
    """For ``measure``: ``factory(precision)`` builds a fresh copy of the model on ``device``
    and returns one training step of it on stand-in data of the run's shapes."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    n = config["batch_size"]

    def images() -> torch.Tensor:
        shape = (n, info.channels, info.image_size, info.image_size)
        return (torch.rand(shape, device=device) * 2 - 1).contiguous(memory_format=fmt)

    def factory(precision: str) -> Callable[[], None]:
        model = build_model(spec, config, info)
        model.replace_nets(lambda name, net: net.to(device, memory_format=fmt).train())
        model.build_optimizers()
        if info.kind == "points-2d":
            batch: Any = torch.randn(n, 2, device=device)
        elif info.kind == "labelled-images":
            batch = (images(), torch.randint(max(info.num_classes, 1), (n,), device=device))
        elif info.kind == "unpaired-images":
            batch = (images(), images())
        else:
            batch = images()
        ctx = StepContext(step=0, device=device, autocast=autocast_factory(device, precision), scaler=None,
                          next_batch=lambda: batch)

        def step() -> None:
            figures = model.train_step(batch, ctx)
            tensors = [v.float().reshape(()) for v in figures.values() if isinstance(v, torch.Tensor)]
            if tensors:
                torch.stack(tensors).sum().item()  # wait for the step, as the loop does once a window

        return step

    return factory
