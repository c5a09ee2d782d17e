"""A run's configuration, merged from layers, later ones winning:

1. ``TRAINER_DEFAULTS`` (below): what every model accepts;
2. the model spec's ``defaults``: its own keys and its overrides of the trainer's;
3. the model preset (``--preset NAME``, or ``preset`` in a later layer), for new runs;
   a resumed run starts instead from the config it saved, which already holds its preset;
4. the config file (``--config run.toml``);
5. flags and ``--set key=value`` (``ganzoo.train(**overrides)`` in Python).

``steps`` and ``epochs`` are one setting, the run's length: a layer that sets one
clears the other (``--preset paper --steps 300`` runs 300 steps, though the preset
says 200 epochs). Every key is checked: an unknown one is an error listing the valid
keys, and every value is checked against the type of its default (and a range where
one applies) before any work starts, so a typo never silently trains with a default.
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
    "minutes": None,  # a wall-clock budget: stop (checkpointed) after this many minutes of training
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
    "lr_restart": False,  # on resume with a new length: restart the lr schedule (see training/schedule.py)
    "sample_every": 500,
    "sample_count": 64,
    "checkpoint_every": 1_000,
    "keep_checkpoints": 3,
    "log_every": 10,
    "num_workers": None,  # loader workers for folder data; None: from the core count
    "compile": False,  # torch.compile the nets (nn.Module.compile); see docs/training.md
    "strict_data": False,
    "eval_every": 0,  # score the run every N steps (0: never); see ganzoo.services.evaluation
    "eval_metrics": None,  # comma-separated; None: those that suit the model's task
    "eval_samples": 2_000,
    "eval_features": "classifier",
    "preset": None,  # the model preset applied over its defaults, recorded for the run's config
    "augment": "none",  # differentiable augmentation of D's inputs: none, diffaugment or ada (ganzoo/nn/augment.py)
    "augment_policy": "color,translation,cutout",
    "ada_target": 0.6,  # ada: the E[sign D(real)] that p is tuned towards
    "ada_kimg": 100.0,  # ada: thousands of real images for p to move from 0 to 1
    "ada_interval": 4,  # ada: adjust p every N reports of D's real scores
}

#: losses whose D scores are logits centred on 0 (real > 0 > fake), the premise of ADA's r_t = E[sign D(real)]
ADA_LOSSES = ("minimax", "non-saturating", "hinge")
#: augmentation policies (the transforms live in ganzoo/nn/augment.py; kept here so checking needs no torch)
AUGMENT_POLICIES = ("color", "translation", "cutout")

#: sizes of nets and step intervals: where a model has one of these settings, it must be a positive integer
POSITIVE = ("latent_dim", "hidden", "width", "layers", "ngf", "ndf", "n_blocks", "pack", "n_critic", "d_steps",
            "r1_every", "pl_every")

CHOICES = {
    "device": ("auto", "cpu", "cuda", "mps"),
    "precision": ("auto", "fp32", "bf16", "fp16"),
    "channels_last": ("auto", True, False),
    "channels": (None, 1, 3),
    "lr_schedule": ("constant", "linear-decay", "cosine"),
    "augment": ("none", "diffaugment", "ada"),
}


class ConfigError(GanzooError, ValueError):
    """A configuration key or value that cannot be used."""


def parse_value(text: str) -> Any:
    """``--set`` values: JSON-ish literals (numbers, true/false, null, lists), else a string.
    ``none`` stays text, since for some settings it is a value (``d_norm=none``, ``augment=none``);
    ``resolve`` reads it as null where a setting is not text (``image_size=none``)."""
    lowered = text.strip().lower()
    if lowered in ("true", "false", "null"):
        return {"true": True, "false": False}.get(lowered)
    if lowered == "none":
        return "none"
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


def layered(spec: Any, *, saved: Mapping[str, Any] | None, file_layer: Mapping[str, Any],
            overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The resolved config of a run of ``spec`` (``saved``: a resumed run's config, where a setting
    the model added since takes its ``legacy`` value, so the run resumes as it was built)."""
    layers = [spec.with_legacy(saved), file_layer, overrides] if saved is not None else [file_layer, overrides]
    if saved is None:
        layers.insert(0, pick_preset(spec.presets, spec.name, *layers))
    return resolve(spec.defaults, *layers)


def resolve(model_defaults: Mapping[str, Any], *layers: Mapping[str, Any]) -> dict[str, Any]:
    """Merge layers over the defaults, rejecting unknown keys and bad values. A spec's
    ``data`` default names its default dataset (``plan.plan_run`` reads it), not a setting."""
    model_defaults = {k: v for k, v in model_defaults.items() if k != "data"}
    config = dict(TRAINER_DEFAULTS)
    types = {**TRAINER_DEFAULTS, **model_defaults}
    for layer in (model_defaults, *layers):
        for key, value in layer.items():
            if key not in types:
                close = difflib.get_close_matches(key, list(types), n=3)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                raise ConfigError(f"unknown setting {key!r}.{hint} Valid settings: {', '.join(sorted(types))}.")
            if value == "none" and not isinstance(types[key], str):
                value = None  # "none" unsets a number or a switch; for a text setting it is a value
            config[key] = value
        sets_steps, sets_epochs = layer.get("steps") is not None, layer.get("epochs") is not None
        if sets_steps and sets_epochs:
            raise ConfigError("set either steps or epochs (the run's length), not both.")
        if sets_steps and "epochs" not in layer:
            config["epochs"] = None
        elif sets_epochs and "steps" not in layer:
            config["steps"] = None
    _check(config, types)
    return config


def _check(config: dict[str, Any], types: Mapping[str, Any]) -> None:
    for key, allowed in CHOICES.items():
        if config[key] not in allowed:
            raise ConfigError(f"{key} must be one of {', '.join(map(str, allowed))}, not {config[key]!r}.")
    for key, default in types.items():
        value = config[key]
        if key in CHOICES or default is None or value is None:
            continue
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false, not {value!r}.")
        if isinstance(default, int) and not isinstance(default, bool) and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{key} must be a whole number, not {value!r}.")
        if isinstance(default, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ConfigError(f"{key} must be a number, not {value!r}.")
        if isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(f"{key} must be text, not {value!r}.")
    if config["steps"] is None and config["epochs"] is None:
        raise ConfigError("set the run's length: steps or epochs.")
    if config["steps"] is not None and (isinstance(config["steps"], bool) or not isinstance(config["steps"], int)
                                        or config["steps"] <= 0):
        raise ConfigError(f"steps must be a positive integer, not {config['steps']!r}.")
    if config["epochs"] is not None and (isinstance(config["epochs"], bool) or not isinstance(config["epochs"], (int, float))
                                         or config["epochs"] <= 0):
        raise ConfigError(f"epochs must be a positive number, not {config['epochs']!r}.")
    for key in ("batch_size", "sample_every", "checkpoint_every", "log_every", "sample_count"):
        if not isinstance(config[key], int) or isinstance(config[key], bool) or config[key] <= 0:
            raise ConfigError(f"{key} must be a positive integer, not {config[key]!r}.")
    for key in (*[k for k in POSITIVE if k in config], "image_size", "threads"):
        value = config[key]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise ConfigError(f"{key} must be a positive integer, not {value!r}.")
    if config["num_workers"] is not None and (not isinstance(config["num_workers"], int) or config["num_workers"] < 0):
        raise ConfigError(f"num_workers must be 0 (load in the training process) or more, not {config['num_workers']!r}.")
    if not isinstance(config["lr"], (int, float)) or isinstance(config["lr"], bool) or config["lr"] <= 0:
        raise ConfigError(f"lr must be a positive number, not {config['lr']!r}.")
    minutes = config.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0):
        raise ConfigError(f"minutes must be a positive number, not {minutes!r}.")
    if not isinstance(config["eval_every"], int) or config["eval_every"] < 0:
        raise ConfigError(f"eval_every must be 0 (off) or a positive integer, not {config['eval_every']!r}.")
    _check_augment(config)
    if not isinstance(config["eval_samples"], int) or config["eval_samples"] < 2:
        raise ConfigError(f"eval_samples must be an integer of at least 2, not {config['eval_samples']!r}.")


def _check_augment(config: Mapping[str, Any]) -> None:
    names = [n.strip() for n in str(config["augment_policy"]).split(",") if n.strip()]
    if not names or any(n not in AUGMENT_POLICIES for n in names):
        raise ConfigError(f"augment_policy must be a comma-separated list of {', '.join(AUGMENT_POLICIES)}, "
                          f"not {config['augment_policy']!r}.")
    loss = config.get("loss")
    if config["augment"] == "ada" and loss is not None and str(loss).rpartition(":")[2] not in ADA_LOSSES:
        raise ConfigError(f"--augment ada tunes p from the sign of D's scores, which means something only for the "
                          f"{', '.join(ADA_LOSSES)} losses, not {loss!r}: use --augment diffaugment, or one of those losses.")
    if not 0 < config["ada_target"] < 1:
        raise ConfigError(f"ada_target must be between 0 and 1, not {config['ada_target']!r}.")
    for key in ("ada_kimg", "ada_interval"):
        if config[key] <= 0:
            raise ConfigError(f"{key} must be positive, not {config[key]!r}.")
