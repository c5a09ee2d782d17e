"""Publish a run: write its sampling nets as a safetensors weights file with ganzoo
metadata (``ganzoo export``), and the ``ganzoo train`` command that reproduces it;
``export_into`` also files it in a plugin's weights manifest (``ganzoo export --into``).

The file is what ``ganzoo.artifacts.weights`` verifies and ``ganzoo.artifacts.loading`` reads back; this
module sits above both, beside evaluation (an export may score the file it wrote).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

from safetensors.torch import save_file

from ganzoo import manifest
from ganzoo._version import __version__
from ganzoo.artifacts.loading import checkpoint_path, load_model
from ganzoo.artifacts.weights import FORMAT
from ganzoo.errors import GanzooError
from ganzoo.files import atomic_write
from ganzoo.host import get_host
from ganzoo.io.download import sha256_of
from ganzoo.specs import _check_name
from ganzoo.training.config import TRAINER_DEFAULTS, pick_preset

#: config keys that say how a run was executed, not what it learned: left out of a training command
EXECUTION_KEYS = {"device", "precision", "channels_last", "threads", "num_workers", "sample_every", "checkpoint_every",
                  "keep_checkpoints", "log_every", "eval_every", "eval_metrics", "eval_samples", "eval_features",
                  "sample_count", "strict_data", "preset", "compile", "lr_restart"}


def training_command(config_record: dict[str, Any], host: Any = None, ignore: tuple[str, ...] = ()) -> str:
    """The ``ganzoo train`` command that reproduces a run's learned settings, from its config.json
    (``ignore``: keys that did not shape the exported weights)."""
    spec = (host or get_host()).registry.get_model(config_record["model"])
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


def run_folder(run: str | Path) -> Path:
    """The run folder of ``run`` (a run folder or one of its checkpoints): where config.json,
    run.json and samples/ live."""
    ckpt = checkpoint_path(run)
    return ckpt.parent.parent if ckpt.parent.name == "checkpoints" else ckpt.parent


def metrics_of(scores: dict[str, Any]) -> dict[str, Any]:
    """The figures of ``ganzoo eval``'s scores that a manifest entry keeps: scalars, rounded."""
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items() if not isinstance(v, list)}


def export(run: str | Path, tag: str, out: str | Path, fp16: bool = False, metrics: dict[str, Any] | None = None,
           host: Any = None, use_ema: bool = True, score: Any = None) -> dict[str, Any]:
    """Write a run's sampling nets (its EMA where kept, unless ``use_ema=False``) as a safetensors
    weights file; return the entry a plugin pastes. ``score(path) -> metrics``, if given, measures
    the written file (fp16 rounding included) and its figures are stored in the file's metadata."""
    _check_name("weights tag", tag)  # a RegistrationError, which the CLI reports as it is
    host = host or get_host()
    loaded = load_model(run, host=host, use_ema=use_ema)
    record_path = run_folder(run) / "config.json"
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


def plugin_package(plugin_dir: str | Path) -> tuple[Path, str, str]:
    """(package folder, package name, licence) of the plugin distribution at ``plugin_dir``: the
    folder with its pyproject.toml (or any folder inside it). The package is the one holding the
    ``ganzoo`` entry point's module; the licence is the distribution's own (``project.license``,
    else the installed metadata's), which its weights are published under."""
    start = Path(plugin_dir).resolve()
    root = next((d for d in (start, *start.parents) if (d / "pyproject.toml").is_file()), None)
    if root is None:
        raise GanzooError(f"{plugin_dir} is not inside a plugin distribution (no pyproject.toml above it).")
    project = manifest.tomllib.loads((root / "pyproject.toml").read_text()).get("project", {})
    entry_points = project.get("entry-points", {}).get("ganzoo", {})
    if not entry_points:
        raise GanzooError(f"{root / 'pyproject.toml'} declares no [project.entry-points.ganzoo]: it is not a ganzoo "
                          "plugin (`ganzoo new-plugin NAME` writes one).")
    module = next(iter(entry_points.values())).split(":")[0]
    package = module.rpartition(".")[0] or module
    folder = next((base / package.replace(".", "/") for base in (root, root / "src")
                   if (base / package.replace(".", "/")).is_dir()), None)
    if folder is None:
        raise GanzooError(f"cannot find the package {package!r} of {root} (looked in {root} and {root / 'src'}).")
    licence = project.get("license", "")
    if isinstance(licence, dict):
        licence = licence.get("text", "")
    if not licence and project.get("name"):
        try:
            meta = metadata.metadata(project["name"])
            licence = meta.get("License-Expression") or meta.get("License") or ""
        except metadata.PackageNotFoundError:
            pass
    if not licence:
        raise GanzooError(f"{root / 'pyproject.toml'} names no licence: add `license = \"MIT\"` (or yours) under "
                          "[project]; published weights carry the plugin's licence.")
    return folder, package, str(licence)


def export_into(run: str | Path, tag: str, plugin_dir: str | Path, default: bool | None = None,
                **options: Any) -> dict[str, Any]:
    """Export ``run`` into a plugin: the file goes to ``<package>/weights/<model>-<tag>.safetensors``
    and its entry into ``<package>/weights/weights.toml`` (replacing one of the same name), with the
    plugin's licence. ``default``: make it the model's default tag (None: only if it has none yet).
    ``options`` are ``export``'s. Returns the manifest entry, plus ``file`` and ``manifest`` paths."""
    folder, package, licence = plugin_package(plugin_dir)
    staged = folder / manifest.WEIGHTS_DIR / f".export-{tag}.safetensors"
    entry = export(run, tag, staged, **options)
    out = staged.with_name(f"{entry['model']}-{tag}.safetensors")
    staged.replace(out)
    path = manifest.manifest_path(folder)
    others = [e for e in manifest.read(path) if e.get("model") == entry["model"] and e.get("tag") != tag]
    if default is None:
        default = not any(e.get("default") for e in others)
    record = {"model": entry["model"], "tag": tag, "file": out.name, "sha256": entry["sha256"], "size": entry["size"],
              "license": licence, "dataset": entry["dataset"], "command": entry["command"], "default": default,
              "metrics": entry["metrics"]}
    manifest.upsert(path, record)
    pyproject = next((d / "pyproject.toml" for d in folder.parents if (d / "pyproject.toml").is_file()), None)
    notes = []
    if pyproject is not None and "weights.toml" not in pyproject.read_text():
        notes.append(f"{pyproject} must ship the weights and their manifest: [tool.setuptools.package-data] "
                     f'{package} = ["weights/*.safetensors", "weights/weights.toml"]')
    return {**record, "file": str(out), "manifest": str(path), "package": package, "notes": notes}

