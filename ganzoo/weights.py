"""Pretrained weights: resolve ``name.tag``, fetch into a verified cache, load safely, export.

A plugin declares each file with a ``WeightsSpec`` (URLs, full sha256, size, licence,
dataset, the ``ganzoo train`` command that made it, its measured metrics). The core:

- fetches ``http(s)://``, ``file://`` and ``package://<module>/<path>`` (a file shipped
  inside an installed distribution, so official weights work offline right after
  ``pip install``) itself, and any other scheme through the ``ganzoo_fetch_weights`` hook;
- downloads to a temporary file, checks the sha256, renames it into
  ``GANZOO_HOME/weights/`` (``ganzoo.download``); ``GANZOO_OFFLINE=1`` uses the cache only;
- loads safetensors (which cannot run code); a legacy ``.pt`` is read only with
  ``weights_only=True``.

Torch is imported only where tensors are read or written, so ``ganzoo weights list``
stays as quick as the other catalogue commands.

The safetensors file holds the sampling nets (``<net>.<parameter>``; the EMA weights
where the run kept them) and, in its metadata, everything needed to rebuild the
model: model, plugin, hyperparameters, data description, versions, training command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.download import DownloadError, fetch, offline, sha256_of
from ganzoo.errors import GanzooError
from ganzoo.paths import home
from ganzoo.registry import WeightsSpec

if TYPE_CHECKING:
    import torch

FORMAT = "ganzoo-weights-1"
#: config keys that say how a run was executed, not what it learned: left out of a training command
EXECUTION_KEYS = {"device", "precision", "channels_last", "threads", "num_workers", "sample_every", "checkpoint_every",
                  "keep_checkpoints", "log_every", "eval_every", "eval_metrics", "eval_samples", "eval_features",
                  "sample_count", "strict_data", "preset"}


def _host(host: Any = None) -> Any:
    from ganzoo.plugins import get_host

    return host or get_host()


def get(name: str, host: Any = None) -> WeightsSpec:
    """The weights entry for ``model.tag`` (or a bare model name: its default tag)."""
    return _host(host).registry.get_weights(name)


def looks_like_name(source: str | Path) -> bool:
    """True for ``dcgan.shapes``-style names: not a path (the rule ``--data`` uses) nor a weights file name."""
    from ganzoo.data import is_path

    return not is_path(source) and not str(source).endswith((".pt", ".safetensors"))


def cache_path(spec: WeightsSpec) -> Path:
    ext = "safetensors" if spec.format == "safetensors" else "pt"
    return home() / "weights" / f"{spec.model}.{spec.tag}-{spec.sha256[:12]}.{ext}"


def ensure(spec: WeightsSpec, host: Any = None) -> Path:
    """The cached file for ``spec``, fetched and verified first if it is not there."""
    path = cache_path(spec)
    if path.is_file() and path.stat().st_size == spec.size:
        return path
    try:
        return fetch(spec.urls, path, sha256=spec.sha256, size=spec.size, what=f"weights {spec.name}", host=_host(host))
    except DownloadError as exc:
        if offline():
            raise GanzooError(f"pretrained weights {spec.name} are not in the cache ({path}) and GANZOO_OFFLINE is "
                              f"set. Unset it to fetch them, or run `ganzoo weights download {spec.name}` where there "
                              "is network.") from None
        raise GanzooError(f"cannot fetch pretrained weights {spec.name}: {exc}") from None


def verify(spec: WeightsSpec) -> tuple[str, str | None]:
    """(status, actual sha256) of the cached file: 'ok', 'missing' or 'MISMATCH'."""
    path = cache_path(spec)
    if not path.is_file():
        return "missing", None
    actual = sha256_of(path)
    return ("ok" if actual == spec.sha256 else "MISMATCH"), actual


# -- reading ------------------------------------------------------------------------------------
def load_pt(path: str | Path) -> Any:
    """``torch.load`` with ``weights_only=True``: tensors and plain containers, never code."""
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle.UnpicklingError for code, RuntimeError for a damaged zip
        raise GanzooError(f"{str(path)!r} cannot be read safely: weights_only=True refused it "
                          f"({str(exc).splitlines()[0]}). ganzoo never unpickles code; ask for a safetensors "
                          "file.") from None


def read(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors and ganzoo metadata of a weights file (safetensors, or a legacy ``.pt`` read
    with ``weights_only=True``)."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as handle:
                raw = handle.metadata() or {}
                tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        except Exception as exc:  # SafetensorError and friends: a damaged or foreign file
            raise GanzooError(f"{path} is not a readable safetensors file ({exc}).") from None
        if raw.get("format") != FORMAT:
            raise GanzooError(f"{path} is a safetensors file but not ganzoo weights (no '{FORMAT}' metadata); "
                              "write one with `ganzoo export RUN --tag TAG --out FILE`.")
        return tensors, json.loads(raw["ganzoo"])
    state = load_pt(path)
    if not (isinstance(state, dict) and isinstance(state.get("meta"), dict) and isinstance(state.get("tensors"), dict)):
        raise GanzooError(f"{path} is not a ganzoo weights file (expected 'meta' and 'tensors').")
    return state["tensors"], state["meta"]


def load(source: str | Path, device: str | torch.device = "cpu", host: Any = None) -> Any:
    """A ``LoadedModel`` from a pretrained name (``dcgan.shapes``) or a weights file."""
    from ganzoo.loading import build_loaded

    host = _host(host)
    if looks_like_name(source):
        from ganzoo.errors import UnknownNameError

        try:
            spec = get(str(source), host)
        except UnknownNameError as exc:
            raise GanzooError(f"{str(source)!r} is not a run folder, a checkpoint or a weights file, nor pretrained "
                              f"weights: {exc}") from None
        path = ensure(spec, host)
    else:
        spec, path = None, Path(source).expanduser()
    tensors, meta = read(path)
    nets: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        net, _, param = key.partition(".")
        nets.setdefault(net, {})[param] = value.float() if value.is_floating_point() else value
    meta = {**meta, "weights": spec.name if spec else str(path)}
    return build_loaded(meta, nets, path, device, host=host, ema=bool(meta.get("ema")))


# -- writing ------------------------------------------------------------------------------------
def training_command(config_record: dict[str, Any], host: Any = None, ignore: tuple[str, ...] = ()) -> str:
    """The ``ganzoo train`` command that reproduces a run's learned settings, from its config.json
    (``ignore``: keys that did not shape the exported weights)."""
    from ganzoo.training.config import TRAINER_DEFAULTS, pick_preset

    spec = _host(host).registry.get_model(config_record["model"])
    config = config_record["config"]
    preset = config.get("preset")
    base = {**TRAINER_DEFAULTS, **spec.defaults, **pick_preset(spec.presets, spec.name, {"preset": preset})}
    parts = [f"ganzoo train {spec.name} --data {config_record['data']}"]
    if preset:
        parts.append(f"--preset {preset}")
    for key in sorted(config):
        if key in EXECUTION_KEYS or key in ignore or key not in base or config[key] == base[key]:
            continue
        value = config[key]
        text = json.dumps(value) if not isinstance(value, str) else value
        parts.append(f"--set {key}={text}")
    return " ".join(parts)


def export(run: str | Path, tag: str, out: str | Path, fp16: bool = False, metrics: dict[str, Any] | None = None,
           host: Any = None, use_ema: bool = True, score: Any = None) -> dict[str, Any]:
    """Write a run's sampling nets (its EMA where kept, unless ``use_ema=False``) as a safetensors
    weights file; return the entry a plugin pastes. ``score(path) -> metrics``, if given, measures
    the written file (fp16 rounding included) and its figures are stored in the file's metadata."""
    from safetensors.torch import save_file

    from ganzoo import __version__
    from ganzoo.files import atomic_write
    from ganzoo.loading import checkpoint_path, load_model
    from ganzoo.registry import _check_name

    _check_name("weights tag", tag)  # a RegistrationError, which the CLI reports as it is
    host = _host(host)
    loaded = load_model(run, host=host, use_ema=use_ema)
    ckpt = checkpoint_path(run)
    run_dir = ckpt.parent.parent if ckpt.parent.name == "checkpoints" else ckpt.parent
    record_path = run_dir / "config.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {
        "model": loaded.meta["qualified_name"], "data": loaded.meta.get("data_source"), "config": loaded.meta["config"]}
    # the EMA never feeds back into training: live weights are the same whether or not it was kept
    command = training_command(record, host, ignore=() if use_ema else ("ema", "ema_decay"))
    tensors = {}
    for name in loaded.model.sampler_names:
        for key, value in loaded.nets[name].state_dict().items():
            value = value.detach().cpu()
            if fp16 and value.is_floating_point():
                value = value.half()
            tensors[f"{name}.{key}"] = value.contiguous()
    meta = {
        "model": loaded.meta["model"], "qualified_name": loaded.meta["qualified_name"],
        "plugin": loaded.meta.get("plugin"), "plugin_version": loaded.meta.get("plugin_version"),
        "ganzoo_version": __version__, "config": loaded.meta["config"], "data": loaded.meta["data"],
        "data_source": loaded.meta.get("data_source"), "step": loaded.meta.get("step"), "ema": loaded.ema,
        "command": command, "tag": tag, "dtype": "float16" if fp16 else "float32", "metrics": metrics or {},
    }
    out = Path(out)

    def write() -> None:
        atomic_write(out, lambda tmp: save_file(tensors, tmp, metadata={"format": FORMAT, "ganzoo": json.dumps(meta)}))

    write()
    if score is not None:
        meta["metrics"] = {**meta["metrics"], **score(out)}
        write()  # same tensors; the metadata now carries what was measured on them
    return {"model": meta["model"], "tag": tag, "sha256": sha256_of(out), "size": out.stat().st_size,
            "format": "safetensors", "dataset": str(meta["data_source"]), "command": command,
            "metrics": meta["metrics"], "file": str(out)}
