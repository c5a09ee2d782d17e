"""Push a run's weights to a remote repository (``ganzoo export RUN --tag TAG --push URL``).

The core stages what is published, the same for every destination: the exported
``<model>-<tag>.safetensors``, a ``README.md`` model card (``ganzoo.services.model_card``) and a
``samples.png`` grid drawn from the exported file, in a temporary folder. It then asks the
``ganzoo_push_weights`` hook (``firstresult``) to upload that folder; the transport (for
example ``hf://`` in the ganzoo-hf plugin) is a plugin's job, as downloads are. Without a
plugin for the URL's scheme nothing is exported: the user learns at once, in one line.
"""

from __future__ import annotations

import shutil
import tempfile
import urllib.parse
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from ganzoo.artifacts import weights
from ganzoo.artifacts.loading import load_model
from ganzoo.errors import PushError
from ganzoo.host import get_host
from ganzoo.io.imaging import save_samples
from ganzoo.services import model_card
from ganzoo.services.export import export, metrics_of, run_folder
from ganzoo.training import run_record

__all__ = ["CARD", "GRID", "push", "started_with"]

CARD = "README.md"
GRID = "samples.png"
#: samples in the card's grid, and their seed (the card says the grid is reproducible)
GRID_COUNT = 64
GRID_SEED = 0


def push(run: str | Path, tag: str, url: str, *, licence: str | None = None, fp16: bool = False,
         use_ema: bool = True, evaluate: Callable[[Path], dict[str, Any]] | None = None,
         host: Any = None) -> dict[str, Any]:
    """Export ``run`` as ``tag`` and upload it with its card and grid to ``url``; return export's
    entry plus ``url`` (where it landed), ``files`` (what was uploaded) and ``licence``.
    ``evaluate(path) -> {"scores", "provenance"}`` (``ganzoo.services.evaluation.evaluate``), if given,
    scores the written file; the card shows the scores with their provenance."""
    host = host or get_host()
    scheme = check_url(url, host)
    measured: dict[str, Any] = {}

    def score(path: Path) -> dict[str, Any]:
        measured.update(evaluate(path))
        return metrics_of(measured["scores"])

    with tempfile.TemporaryDirectory(prefix="ganzoo-push-") as tmp:
        folder = Path(tmp)
        staged = folder / f".export-{tag}.safetensors"
        entry = export(run, tag, staged, fp16=fp16, use_ema=use_ema, host=host,
                       score=score if evaluate is not None else None)
        file = folder / f"{entry['model']}-{tag}.safetensors"
        staged.replace(file)
        meta = weights.read(file)[1]
        grid = write_grid(file, folder / GRID, run)
        spec = host.registry.get_model(meta.get("qualified_name") or meta["model"])
        licence = licence or plugin_licence(meta.get("plugin"))
        card = model_card.render(meta, entry, url=url, file=file.name, licence=licence, started_with=started_with(run),
                                 provenance=measured.get("provenance"), summary=spec.summary, task=spec.task,
                                 samples=grid.name if grid else None)
        (folder / CARD).write_text(card, encoding="utf-8")
        files = sorted(p.name for p in folder.iterdir())
        where = host.hook.ganzoo_push_weights(url=url, folder=str(folder))
        if where is None:
            raise PushError(f"no installed plugin pushes to {scheme}:// URLs; for hf:// install the official one: "
                            "pip install ganzoo-hf")
    return {**entry, "file": file.name, "url": str(where), "files": files, "licence": licence}


def check_url(url: str, host: Any) -> str:
    """Refuse ``url`` before any work (export, scoring) when no plugin will take it; return its scheme.

    ``ganzoo_push_accepts`` lets a transport plugin check its URLs (a malformed one raises
    PushError). A URL no plugin accepts is refused here when every pushing plugin also
    implements that check; one from a plugin without it is left to ``ganzoo_push_weights``."""
    scheme = _scheme(url)
    pushers = {impl.plugin_name for impl in host.hook.ganzoo_push_weights.get_hookimpls()}
    if not pushers:
        raise PushError(f"no installed plugin pushes to {scheme}:// URLs (none implements ganzoo_push_weights); "
                        "for hf:// install the official one: pip install ganzoo-hf")
    if host.hook.ganzoo_push_accepts(url=url):
        return scheme
    if pushers <= {impl.plugin_name for impl in host.hook.ganzoo_push_accepts.get_hookimpls()}:
        raise PushError(f"no installed plugin pushes to {scheme}:// URLs; for hf:// install the official one: "
                        "pip install ganzoo-hf")
    return scheme


def started_with(run: str | Path) -> list[str] | None:
    """The command line the run was started with, from ``RUN/run.json`` (None: not recorded)."""
    command = (run_record.read(run_folder(run)) or {}).get("command")
    return command if isinstance(command, (list, str)) and command else None


def plugin_licence(distribution: str | None) -> str:
    """The licence of the model's plugin distribution, which its weights default to (``other``: none)."""
    if not distribution:
        return "other"
    try:
        meta = metadata.metadata(distribution)
    except metadata.PackageNotFoundError:
        return "other"
    return meta.get("License-Expression") or meta.get("License") or "other"


def write_grid(file: Path, out: Path, run: str | Path) -> Path | None:
    """``samples.png``: a fixed-seed grid drawn from the exported ``file`` itself (fp16 included).
    Image-to-image models need real inputs to show anything, so theirs is the run's last
    training grid (input | translation | ...); None when the run kept none."""
    loaded = load_model(file)
    if loaded.kind == "unpaired-images":
        grids = sorted((run_folder(run) / "samples").glob("*.png"))
        return Path(shutil.copyfile(grids[-1], out)) if grids else None
    with torch.no_grad():
        inputs = loaded.model.sample_inputs(GRID_COUNT, torch.Generator().manual_seed(GRID_SEED))
        samples, per_row = loaded.model.preview(inputs, loaded.nets)
    return save_samples(samples, out, loaded.data_info, per_row)


def _scheme(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or not (parts.netloc or parts.path.strip("/")) or "://" not in url:
        raise PushError(f"--push takes a URL such as hf://OWNER/REPO, not {url!r}.")
    return parts.scheme
