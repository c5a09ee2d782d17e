"""``ganzoo new-plugin NAME --kind KIND``: write a complete plugin distribution that
installs, shows in ``ganzoo list``, trains, and passes ganzoo's conformance kit as written.

The files come from ``templates/`` (``{{key}}`` placeholders); no torch is imported here.
"""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import json
import re
from pathlib import Path
from typing import Any

import click

from ganzoo._version import __version__
from ganzoo.errors import GanzooError
from ganzoo.hookspecs import PLUGIN_API
from ganzoo.manifest import HEADER, MANIFEST, WEIGHTS_DIR
from ganzoo.specs import _check_name

TEMPLATES = Path(__file__).parent / "templates"

#: per kind: task, data kinds, a built-in dataset to try it on, its settings, what the kit shrinks
KINDS: dict[str, dict[str, Any]] = {
    "points": {
        "task": "points-2d", "data_kinds": ("points-2d",), "data": "ring",
        "summary": "a GAN of MLPs for 2D point clouds",
        "defaults": {"latent_dim": 8, "hidden": 128, "lr": 1e-3, "beta1": 0.5, "batch_size": 256, "steps": 3000,
                     "sample_every": 500, "checkpoint_every": 1000},
        "tiny": {"hidden": 16},
        "look": "sample runs/{name}-ring-*/ --out points.png",
    },
    "image": {
        "task": "unconditional", "data_kinds": ("images",), "data": "digits",
        "summary": "an all-convolutional GAN for small images",
        "defaults": {"latent_dim": 64, "width": 32, "lr": 2e-4, "beta1": 0.5, "batch_size": 64, "steps": 2000,
                     "sample_every": 250, "checkpoint_every": 500},
        "tiny": {"width": 4, "latent_dim": 8},
        "look": "sample runs/{name}-digits-*/ --out grid.png",
    },
    "conditional": {
        "task": "conditional", "data_kinds": ("labelled-images",), "data": "digits",
        "summary": "a conditional GAN: both nets see the class label",
        "defaults": {"latent_dim": 32, "hidden": 256, "lr": 2e-4, "beta1": 0.5, "batch_size": 64, "steps": 2000,
                     "sample_every": 250, "checkpoint_every": 500},
        "tiny": {"hidden": 16, "latent_dim": 8},
        "look": "sample runs/{name}-digits-*/ --labels 3,3,7 --out threes.png",
    },
    "translation": {
        "task": "image-to-image", "data_kinds": ("unpaired-images",), "data": "sketches2photos",
        "summary": "unpaired image-to-image translation with a cycle-consistency loss",
        "defaults": {"image_size": 32, "width": 16, "lambda_cycle": 10.0, "loss": "least-squares", "lr": 2e-4,
                     "beta1": 0.5, "batch_size": 8, "steps": 1000, "sample_every": 250, "checkpoint_every": 500,
                     "sample_count": 8},
        "tiny": {"width": 4},
        "look": "translate runs/{name}-sketches2photos-*/ --input my-sketches/ --out translated/ --grid",
    },
}


def requirement() -> str:
    """The ``ganzoo`` requirement a new plugin declares: this release line up to the next major."""
    major, minor = (int(p) for p in __version__.split(".")[:2])
    return f"ganzoo>={major}.{minor},<{major + 1 if major else 1}"


def api_range() -> str:
    """The plugin-API range a new plugin declares: this version up to the next major."""
    major = int(PLUGIN_API.split(".")[0])
    return f">={PLUGIN_API},<{major + 1}"


def files(name: str, kind: str) -> dict[str, str]:
    """Relative path -> text of every file of the new distribution."""
    _check_name("plugin", name)
    if kind not in KINDS:
        raise GanzooError(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")
    k = KINDS[kind]
    package = "ganzoo_" + name.replace("-", "_")
    values = {
        "name": name, "dist": f"ganzoo-{name}", "package": package, "kind": kind,
        "Class": "".join(part.capitalize() for part in re.split(r"[-_]", name)) + "Model",
        "summary": f"{name}, {k['summary']}.", "task": k["task"], "data": k["data"],
        "data_kinds": "(" + ", ".join(f'"{d}"' for d in k["data_kinds"]) + ",)",
        "defaults": _literal(k["defaults"], indent=8), "tiny": _literal(k["tiny"]),
        "requirement": requirement(), "api_range": api_range(),
        "data_kinds_text": ", ".join(f"`{d}`" for d in k["data_kinds"]),
        "settings_text": ", ".join(f"`{key}` ({value})" for key, value in k["defaults"].items()),
        "look": k["look"].format(name=name),
    }
    out = {
        "pyproject.toml": _render("pyproject.toml.tmpl", values),
        "README.md": _render("README.md.tmpl", values),
        f"{package}/__init__.py": _render("__init__.py.tmpl", values),
        f"{package}/plugin.py": _render("plugin.py.tmpl", values),
        f"{package}/model.py": _render(f"model_{kind}.py.tmpl", values),
        f"{package}/{WEIGHTS_DIR}/{MANIFEST}": HEADER,
        f"tests/test_{package.removeprefix('ganzoo_')}.py": _render("test_plugin.py.tmpl", values),
        f"docs/{name}.md": _render("docs.md.tmpl", values),
    }
    return out


def write(name: str, kind: str, parent: str | Path = ".", force: bool = False) -> Path:
    """Write the distribution ``ganzoo-NAME`` under ``parent``; returns its folder."""
    content = files(name, kind)
    root = Path(parent) / f"ganzoo-{name}"
    if root.exists() and any(root.iterdir()) and not force:
        raise GanzooError(f"{root} exists and is not empty; pick another NAME or --dir, or pass --force.")
    for relative, text in content.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _render(template: str, values: dict[str, str]) -> str:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    left = re.findall(r"\{\{\w+\}\}", text)
    assert not left, f"{template}: no value for {left}"
    return text


def _literal(mapping: dict[str, Any], indent: int = 0) -> str:
    """A dict as Python source with double-quoted keys: one line, or one item a line under ``indent``."""
    items = [f'"{k}": {json.dumps(v) if isinstance(v, str) else repr(v)}' for k, v in mapping.items()]
    if not indent:
        return "{" + ", ".join(items) + "}"
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + "}"


@click.command("new-plugin")
@click.argument("name")
@click.option("--kind", type=click.Choice(sorted(KINDS)), default="image", show_default=True,
              help="What the model learns: 2D points, images, labelled images (conditional), or unpaired translation.")
@click.option("--dir", "parent", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where to create the ganzoo-NAME folder.")
@click.option("--force", is_flag=True, help="Write into an existing, non-empty folder.")
def new_plugin_cmd(name: str, kind: str, parent: str, force: bool) -> None:
    """Write a plugin distribution ganzoo-NAME: pyproject.toml with the entry point and version
    bound, the plugin and model modules, a weights manifest, tests that run ganzoo's
    conformance kit, and a docs page. It installs, trains and passes its tests as written."""
    root = write(name, kind, parent, force)
    data = KINDS[kind]["data"]
    click.echo(f"wrote {root}/ ({len(files(name, kind))} files). Next:\n")
    click.echo(f"  pip install -e {root}          # then `ganzoo list` shows {name}")
    click.echo(f"  ganzoo train {name} --data {data} --steps 200")
    click.echo(f"  python -m pytest {root}/tests    # ganzoo's conformance kit")
    click.echo("\nThe tutorial, step by step: docs/tutorial.md (\"Your first GAN plugin\").")
