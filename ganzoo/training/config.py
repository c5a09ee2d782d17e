"""A run's configuration: trainer defaults < model defaults < config file < flags < --set.

Every key is checked: an unknown one is an error listing the valid keys, so a typo
never silently trains with a default.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ganzoo.errors import GanzooError

#: What every model accepts; a model's spec defaults override these and add its own keys.
TRAINER_DEFAULTS: dict[str, Any] = {
    "steps": 2_000,
    "epochs": None,
    "batch_size": 64,
    "lr": 2e-4,
    "loss": "non-saturating",
    "image_size": None,
    "channels": None,
    "seed": 0,
    "device": "auto",
    "precision": "auto",
    "channels_last": "auto",
    "threads": None,
    "ema": False,
    "ema_decay": 0.999,
    "lr_schedule": "constant",
    "lr_decay_start": 0.5,
    "sample_every": 500,
    "sample_count": 64,
    "checkpoint_every": 1_000,
    "keep_checkpoints": 3,
    "log_every": 10,
    "num_workers": 0,
    "strict_data": False,
    "eval_every": 0,  # score the run every N steps (0: never); see ganzoo.evaluation
    "eval_metrics": None,  # comma-separated; None: those that suit the model's task
    "eval_samples": 2_000,
    "eval_features": "classifier",
    "preset": None,  # the model preset applied over its defaults, recorded for the run's config
}

CHOICES = {
    "device": ("auto", "cpu", "cuda", "mps"),
    "precision": ("auto", "fp32", "bf16", "fp16"),
    "channels_last": ("auto", True, False),
    "lr_schedule": ("constant", "linear-decay", "cosine"),
}


class ConfigError(GanzooError, ValueError):
    """A configuration key or value that cannot be used."""


def parse_value(text: str) -> Any:
    """``--set`` values: JSON-ish literals (numbers, true/false, null, lists), else a string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false", "none", "null"):
        return {"true": True, "false": False}.get(lowered)
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_set(pairs: Iterable[str]) -> dict[str, Any]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set takes key=value, got {pair!r}.")
        out[key.strip().replace("-", "_")] = parse_value(value)
    return out


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Flat keys from a .toml, .yaml/.yml or .json file."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {str(path)!r} does not exist.")
    text = path.read_text()
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"config file {str(path)!r}: use .toml, .yaml or .json.")
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - each parser has its own error class
        raise ConfigError(f"cannot parse {str(path)!r}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r} must hold key = value pairs at the top level.")
    return {str(k).replace("-", "_"): v for k, v in data.items()}


def pick_preset(presets: Mapping[str, Mapping[str, Any]], model: str, *layers: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of the preset the last layer naming one asks for (``{}`` for none)."""
    name = None
    for layer in layers:
        name = layer.get("preset", name)
    if name is None:
        return {}
    if name not in presets:
        offered = ", ".join(sorted(presets)) or "none"
        raise ConfigError(f"model {model!r} has no preset {name!r}; its presets: {offered}.")
    return {**presets[name], "preset": name}


def resolve(model_defaults: Mapping[str, Any], *layers: Mapping[str, Any]) -> dict[str, Any]:
    """Merge layers over the defaults, rejecting unknown keys and bad choices."""
    config = {**TRAINER_DEFAULTS, **model_defaults}
    for layer in layers:
        for key, value in layer.items():
            if key not in config:
                close = difflib.get_close_matches(key, list(config), n=3)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                raise ConfigError(f"unknown setting {key!r}.{hint} Valid settings: {', '.join(sorted(config))}.")
            config[key] = value
    for key, allowed in CHOICES.items():
        if config[key] not in allowed:
            raise ConfigError(f"{key} must be one of {', '.join(map(str, allowed))}, not {config[key]!r}.")
    for key in ("steps", "batch_size", "sample_every", "checkpoint_every", "log_every"):
        if not isinstance(config[key], int) or config[key] <= 0:
            raise ConfigError(f"{key} must be a positive integer, not {config[key]!r}.")
    if not isinstance(config["eval_every"], int) or config["eval_every"] < 0:
        raise ConfigError(f"eval_every must be 0 (off) or a positive integer, not {config['eval_every']!r}.")
    if not isinstance(config["eval_samples"], int) or config["eval_samples"] < 2:
        raise ConfigError(f"eval_samples must be an integer of at least 2, not {config['eval_samples']!r}.")
    return config
