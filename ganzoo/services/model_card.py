"""The model card (``README.md``) that travels with pushed weights (``ganzoo export --push``).

A Hub page is the only documentation most users of a weights file ever read, so the card
says what a manifest entry says and more: which model and data, the scores measured on
*this* file with their provenance (FID-style numbers mean nothing without the extractor,
sample counts and split), the exact command the run was started with (``RUN/run.json``,
when the run recorded it), the ``ganzoo train`` command that reproduces its learned
settings, and how to use the file. Pure text from plain data: no torch, no network.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from ganzoo import manifest

__all__ = ["render"]

#: Hub tags per ganzoo task, so the page is found under the Hub's own task filters
TASK_TAGS = {"unconditional": "unconditional-image-generation", "conditional": "image-generation",
             "image-to-image": "image-to-image"}


def render(meta: Mapping[str, Any], entry: Mapping[str, Any], *, url: str, file: str, licence: str,
           started_with: Sequence[str] | None = None, provenance: Mapping[str, Any] | None = None,
           summary: str = "", task: str = "", samples: str | None = "samples.png") -> str:
    """The card's text. ``meta``: the weights file's ganzoo metadata; ``entry``: ``export()``'s
    result (sha256, size, command, metrics); ``url``: where it is pushed (``hf://OWNER/REPO``);
    ``started_with``: the run's recorded argv (None: not recorded); ``samples``: the grid's
    file name beside the card (None: no grid)."""
    name = f"{meta['model']}.{meta['tag']}"
    tags = ["ganzoo", "gan", str(meta["model"])] + ([TASK_TAGS[task]] if task in TASK_TAGS else [])
    front = ["---", "library_name: ganzoo", f"license: {_yaml(licence or 'other')}",
             "tags:", *[f"- {_yaml(t)}" for t in tags], "---", ""]
    data = meta.get("data") or {}
    shape = _shape(data)
    lines = [f"# {name}", ""]
    if summary:
        lines += [summary, ""]
    lines += [f"{_what(meta)} for [ganzoo](https://pypi.org/project/ganzoo/), exported from a run at step "
              f"{meta.get('step', '?')}: `{file}` ({entry['size']:,} bytes, sha256 `{entry['sha256']}`).", ""]
    if samples and data.get("kind") == "unpaired-images":  # publish.write_grid: translations need real inputs
        lines += ["## Samples", "", f"![translations by the run]({samples})", "",
                  "The run's last training grid (each input beside its translations), at the step it was saved; "
                  "translate your own images with `ganzoo translate`.", ""]
    elif samples:
        lines += ["## Samples", "", f"![samples drawn from this file]({samples})", "",
                  "Drawn from this file with a fixed seed (`ganzoo sample`).", ""]
    lines += ["## Data", "", f"Trained on `{meta.get('data_source') or data.get('name', '?')}`{shape}.", ""]
    lines += _metrics(entry.get("metrics") or {}, provenance)
    lines += ["## How it was made", "", "The command the run was started with:", ""]
    lines += (["```bash", _argv(started_with), "```"] if started_with else ["not recorded (the run has no run.json)."])
    lines += ["", "The `ganzoo train` command that reproduces its learned settings:", "",
              "```bash", str(entry.get("command") or "not recorded"), "```", ""]
    lines += _usage(meta, entry, url, file, licence)
    return "\n".join(front + lines).rstrip() + "\n"


def _what(meta: Mapping[str, Any]) -> str:
    weights = "EMA" if meta.get("ema") else "live"
    plugin = f" (plugin `{meta['plugin']}` {meta.get('plugin_version') or ''})".replace(" )", ")") if meta.get("plugin") else ""
    return f"`{meta['model']}`{plugin} {weights} generator weights, {meta.get('dtype', 'float32')},"


def _shape(data: Mapping[str, Any]) -> str:
    if data.get("kind") == "points-2d":
        return " (2D points)"
    if data.get("image_size"):
        classes = f", {data['num_classes']} classes" if data.get("num_classes") else ""
        return f" ({data['image_size']} px, {data.get('channels', '?')} channel(s){classes})"
    return ""


def _metrics(metrics: Mapping[str, Any], provenance: Mapping[str, Any] | None) -> list[str]:
    lines = ["## Metrics", ""]
    if not metrics:
        return lines + ["Not measured (exported with `--no-metrics`).", ""]
    lines += ["| metric | value |", "|---|---|"]
    lines += [f"| {key} | {_number(value)} |" for key, value in metrics.items()]
    lines += ["", "Measured by `ganzoo eval` on this very file (its dtype included)."]
    if provenance:
        keep = {k: v for k, v in provenance.items() if v is not None and k != "checkpoint"}  # a local path means nothing here
        lines += ["Scores are comparable only when all of this matches:", "", "```json",
                  json.dumps(keep, indent=2, sort_keys=True, default=str), "```"]
    return lines + [""]


def _usage(meta: Mapping[str, Any], entry: Mapping[str, Any], url: str, file: str, licence: str) -> list[str]:
    record = {"model": meta["model"], "tag": meta["tag"], "sha256": entry["sha256"], "size": entry["size"],
              "license": licence or "other", "dataset": str(meta.get("data_source") or ""),
              "command": entry.get("command") or "", "urls": [f"{url.rstrip('/')}/{file}"]}
    install = " ".join(["pip install ganzoo ganzoo-hf", *([str(meta["plugin"])] if meta.get("plugin") else [])])
    return ["## Use it", "", "Draw from the file itself:", "", "```bash", install,
            f"ganzoo sample {file} --out grid.png   # after downloading {file} from this repository", "```", "",
            "Or declare it in a plugin's `weights/weights.toml`, so the file is fetched, verified by sha256 and "
            f"cached on first use as `{meta['model']}.{meta['tag']}`:", "", "```toml",
            manifest.dump([record], header=False).strip(), "```", "", "```bash",
            f"ganzoo sample {meta['model']}.{meta['tag']} --out grid.png", "```"]


def _argv(argv: Sequence[str] | str) -> str:
    return argv if isinstance(argv, str) else shlex.join(str(a) for a in argv)


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _yaml(text: str) -> str:
    """A YAML scalar: JSON's string syntax is YAML's double-quoted one."""
    return json.dumps(str(text))
