"""``--precision auto`` and ``channels_last auto``: chosen by *measuring* this model here.

Neither bf16 nor channels_last is a free lunch. On this project's quiet 2-core CPU,
bf16 + channels_last made the digits CGAN 1.83x and CycleGAN 1.29x faster than fp32
(an earlier session saw the CGAN 3x *slower*); on an H100, bf16 lost at batch 64 and
won at 256. So for a convolutional
model, each setting left at ``auto`` is decided by timing a few training steps of a
fresh copy of the actual model at the run's batch size, every candidate in turn
(fp32/bf16 where bf16 is native, contiguous/channels_last), and the fastest wins if it
beats plain fp32 in the contiguous layout by at least ``MARGIN``. The verdict is cached
per machine, model and shape in ``GANZOO_HOME/precision.json``, so a machine measures
each once. MLPs on 2D points stay fp32 and contiguous (bf16's 8-bit mantissa is
coarser than a ring's std).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from ganzoo.artifacts.checkpoint import rng_state, set_rng_state
from ganzoo.files import atomic_write
from ganzoo.nn.base import DataInfo
from ganzoo.nn.build import build_model
from ganzoo.nn.model import StepContext
from ganzoo.paths import home
from ganzoo.registry import ModelSpec
from ganzoo.training.config import TRAINER_DEFAULTS
from ganzoo.training.device import autocast_factory, native_bf16
from ganzoo.training.rundir import plain

MARGIN = 1.10
#: a warm-up step per candidate (kernels are built on first use), then timed steps, one
#: of each candidate in turn so that a machine's load falls on all alike: at least
#: MIN_STEPS each, more while the probe has spent less than BUDGET_S, at most STEPS
WARMUP, MIN_STEPS, STEPS, BUDGET_S = 1, 2, 5, 6.0

#: (precision, channels_last); the first is the plain baseline a candidate must beat
Candidate = tuple[str, bool]


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


def measure(step: Callable[[str, bool], Callable[[], None]], device: torch.device,
            candidates: list[Candidate]) -> dict[Candidate, float]:
    """Median seconds per step of each candidate: ``step(precision, channels_last)`` returns a
    function that runs one training step of a fresh model so set up."""
    runners = {c: step(*c) for c in candidates}
    for _ in range(WARMUP):
        for run in runners.values():
            run()
    times: dict[Candidate, list[float]] = {c: [] for c in runners}
    started = time.perf_counter()
    for done in range(STEPS):
        if done >= MIN_STEPS and time.perf_counter() - started > BUDGET_S:
            break
        for c, run in runners.items():
            _sync(device)
            start = time.perf_counter()
            run()
            _sync(device)
            times[c].append(time.perf_counter() - start)
    return {c: statistics.median(t) for c, t in times.items()}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def resolve(precision: str, channels_last: object, device: torch.device, convolutional: bool, what: str,
            step: Callable[[str, bool], Callable[[], None]],
            say: Callable[[str], None] = lambda _: None) -> tuple[str, bool, str]:
    """The precision and memory layout to train in, and why (for the run's config)."""
    if precision == "auto":
        precisions = ["fp32", "bf16"] if convolutional and native_bf16(device) else ["fp32"]
    else:
        precisions = [precision]
    if channels_last == "auto":
        layouts = [False, True] if convolutional and device.type in ("cpu", "cuda") else [False]
    else:
        layouts = [bool(channels_last)]
    candidates = [(p, c) for p in precisions for c in layouts]
    if len(candidates) == 1:
        why = "asked for" if precision != "auto" and channels_last != "auto" else \
            ("auto: MLP model" if not convolutional else "auto: nothing else to try on this device")
        return candidates[0][0], candidates[0][1], why
    key = cache_key(device, f"{what}|{candidates}")
    cache = _read_cache()
    if key not in cache:
        names = ", ".join(_name(c) for c in candidates)
        say(f"measuring {names} for this model on this machine (once; cached in {_cache_path()}) ...")
        timing = measure(step, device, candidates)
        cache = _read_cache()
        cache[key] = {"what": what, "machine": machine(device),
                      "seconds_per_step": {_name(c): s for c, s in timing.items()}}
        text = json.dumps(cache, indent=1, sort_keys=True) + "\n"
        atomic_write(_cache_path(), lambda tmp: Path(tmp).write_text(text))
    seconds = cache[key]["seconds_per_step"]
    base = candidates[0]
    best = min(candidates, key=lambda c: seconds[_name(c)])
    speedup = seconds[_name(base)] / max(seconds[_name(best)], 1e-12)
    choice = best if speedup >= MARGIN else base
    table = ", ".join(f"{_name(c)} {seconds[_name(base)] / max(seconds[_name(c)], 1e-12):.2f}x" for c in candidates)
    return choice[0], choice[1], f"auto: measured here against {_name(base)} ({table})"


def _name(candidate: Candidate) -> str:
    return candidate[0] + (" channels_last" if candidate[1] else "")


def for_run(spec: ModelSpec, config: Mapping[str, Any], info: DataInfo, device: torch.device, world_size: int,
            convolutional: bool, resolved: Mapping[str, Any], say: Callable[[str], None]) -> tuple[str, bool, str]:
    """A run's precision and layout: as it started when resumed (``resolved``, from its saved
    config) on the same kind of device; else ``resolve``'s, keyed by the model, its data's shape
    and its settings, with the probe's random draws undone so that it leaves no trace in the run."""
    if config["precision"] == "auto" and config["channels_last"] == "auto" and resolved.get("precision") and \
            str(resolved.get("device", "")).split(":")[0] == device.type:
        return resolved["precision"], bool(resolved.get("channels_last")), "as the run started"
    shape = {k: v for k, v in config.items() if k not in TRAINER_DEFAULTS or k == "batch_size"}
    what = f"{spec.qualified_name}|{info.kind} {info.channels}x{info.image_size}|{plain(shape)}|world={world_size}"
    rng = rng_state()
    try:
        step = step_factory(spec, config, info, device)
        return resolve(config["precision"], config["channels_last"], device, convolutional, what, step, say=say)
    finally:
        set_rng_state(rng)


def step_factory(spec: ModelSpec, config: Mapping[str, Any], info: DataInfo,
                 device: torch.device) -> Callable[[str, bool], Callable[[], None]]:
    """For ``measure``: ``factory(precision, channels_last)`` builds a fresh copy of the model
    on ``device`` and returns one training step of it on stand-in data of the run's shapes."""
    n = config["batch_size"]

    def factory(precision: str, channels_last: bool) -> Callable[[], None]:
        fmt = torch.channels_last if channels_last else torch.contiguous_format

        def images() -> torch.Tensor:
            shape = (n, info.channels, info.image_size, info.image_size)
            return (torch.rand(shape, device=device) * 2 - 1).contiguous(memory_format=fmt)

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
        steps = itertools.count(1)  # real step numbers, so lazy regularisers run as often as in training

        def step() -> None:
            ctx = StepContext(step=next(steps), device=device, autocast=autocast_factory(device, precision),
                              scaler=None, next_batch=lambda: batch)
            figures = model.train_step(batch, ctx)
            tensors = [v.float().reshape(()) for v in figures.values() if isinstance(v, torch.Tensor)]
            if tensors:
                torch.stack(tensors).sum().item()  # wait for the step, as the loop does once a window

        return step

    return factory
