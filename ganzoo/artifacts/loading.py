"""Rebuild a trained model from a run folder or a checkpoint, and draw from it.

A checkpoint describes itself (model, plugin, hyperparameters, data), so nothing
else is needed: ``ganzoo sample runs/dcgan-shapes-.../ --out grid.png``.
Checkpoints are read with ``torch.load(weights_only=True)``: loading never runs code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganzoo.artifacts import checkpoint as ckpt
from ganzoo.artifacts import weights
from ganzoo.artifacts.picks import Picks, plan_picks
from ganzoo.errors import GanzooError, UnknownNameError
from ganzoo.host import get_host
from ganzoo.io.imaging import save_samples
from ganzoo.nn.base import DataInfo
from ganzoo.nn.build import build_model
from ganzoo.nn.model import GanModel, per_class_row

CHUNK = 256


@dataclass
class LoadedModel:
    model: GanModel
    nets: dict[str, nn.Module]  # eval-mode sampling nets (EMA where the run kept one)
    meta: dict[str, Any]
    path: Path | None
    ema: bool = False  # whether ``nets`` hold the run's EMA weights

    @property
    def data_info(self) -> DataInfo:
        return self.model.data

    @property
    def kind(self) -> str:
        return self.model.data.kind

    @property
    def sampler(self) -> nn.Module | None:
        """The net samples are drawn with (None for a model that names none)."""
        return self.nets.get(self.model.sampler_names[0]) if self.model.sampler_names else None


def checkpoint_path(source: str | Path) -> Path:
    path = Path(source).expanduser()
    if path.is_dir():
        last = path / "checkpoints" / "last.pt"
        if last.exists():
            return last
        raise GanzooError(f"{str(path)!r} has no checkpoints/last.pt: is it a ganzoo run folder that reached "
                          "its first checkpoint?")
    if path.exists():
        return path
    raise GanzooError(f"{str(source)!r} is neither a run folder, a checkpoint file, nor pretrained weights "
                      "(`ganzoo weights list` shows those).")


def load_model(source: str | Path, device: str | torch.device = "cpu", host: Any = None,
               use_ema: bool = True) -> LoadedModel:
    """A run folder, a checkpoint, a weights file (``.safetensors``) or a pretrained name (``dcgan.shapes``).
    ``use_ema=False`` samples from a checkpoint's live weights even where the run kept an EMA."""
    text = str(source)
    if text.endswith(".safetensors") or weights.looks_like_name(source):
        return load_weights(source, device, host=host)
    path = checkpoint_path(source)
    try:
        state = ckpt.load(path)
    except ckpt.CheckpointError:
        if path.is_file() and path.parent.name != "checkpoints":  # perhaps legacy .pt weights (meta + tensors)
            try:
                return load_weights(path, device, host=host)
            except GanzooError:
                pass
        raise
    nets = dict(state["nets"])
    ema = bool(state.get("ema")) and use_ema
    if ema:
        nets.update(state["ema"]["nets"])  # sample from the averaged weights
    return build_loaded(state["meta"], nets, path, device, host=host, ema=ema)


def load_weights(source: str | Path, device: str | torch.device = "cpu", host: Any = None) -> LoadedModel:
    """A ``LoadedModel`` from a pretrained name (``dcgan.shapes``) or a weights file."""
    host = host or get_host()
    if weights.looks_like_name(source):
        try:
            spec = weights.get(str(source), host)
        except UnknownNameError as exc:
            raise GanzooError(f"{str(source)!r} is not a run folder, a checkpoint or a weights file, nor pretrained "
                              f"weights: {exc}") from None
        path = weights.ensure(spec, host)
    else:
        spec, path = None, Path(source).expanduser()
    tensors, meta = weights.read(path)
    nets: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        net, _, param = key.partition(".")
        nets.setdefault(net, {})[param] = value.float() if value.is_floating_point() else value
    meta = {**meta, "weights": spec.name if spec else str(path)}
    return build_loaded(meta, nets, path, device, host=host, ema=bool(meta.get("ema")))


def build_loaded(meta: dict[str, Any], nets_state: dict[str, dict[str, torch.Tensor]], path: Path | None,
                 device: str | torch.device = "cpu", host: Any = None, ema: bool = False) -> LoadedModel:
    """Rebuild a model from its description (model, config, data) and load the given nets'
    weights; nets not given (a discriminator left out of a weights file) keep their init."""
    registry = (host or get_host()).registry
    try:
        spec = registry.get_model(meta["qualified_name"])
    except UnknownNameError:
        spec = registry.get_model(meta["model"])
    data = meta["data"]
    info = DataInfo(data["name"], data["kind"], data["image_size"], data["channels"], tuple(data["class_names"]),
                    data.get("extra", {}))
    torch.manual_seed(0)  # builders may draw initial weights; they are overwritten below
    # a file saved before the model added a setting was built with that setting's legacy value
    model = build_model(spec, spec.with_legacy(meta["config"]), info)
    for name, net in model.nets().items():
        if name in nets_state:
            try:
                net.load_state_dict(nets_state[name])
            except RuntimeError as exc:
                raise GanzooError(f"the weights for {name} in {path} do not fit model {spec.name!r} as its plugin "
                                  f"builds it now ({str(exc).splitlines()[0]}).") from None
    nets = {name: net.to(device).eval() for name, net in model.nets().items()}
    for param in model.iter_parameters():
        param.requires_grad_(False)
    return LoadedModel(model, nets, meta, path, ema=ema)


def grid_columns(labels: torch.Tensor | None, n: int, num_classes: int) -> int:
    """Images per row of a sample grid: one row per class where the labels come in runs of one
    length (``0 0 0 1 1 1``, ``--per-label 3``, or a conditional model's default rows, when
    ``num_classes`` is the conditional model's class count); else a square-ish grid,
    ``ceil(sqrt(n))`` per row (8 for 64, 4 for 16)."""
    if labels is None:
        return per_class_row(n, num_classes) if num_classes else square_row(n)
    _, runs = torch.unique_consecutive(torch.as_tensor(labels), return_counts=True)
    return int(runs[0]) if len(runs) > 1 and bool((runs == runs[0]).all()) else square_row(n)


def square_row(n: int) -> int:
    """Images per row for a square-ish grid of ``n``."""
    return max(1, math.ceil(math.sqrt(n)))


def conditional_classes(loaded: LoadedModel) -> int:
    """The class count a model's sampler is conditioned on (0 for an unconditional one, even when
    it was trained on labelled data, such as DCGAN on shapes)."""
    return int(getattr(loaded.sampler, "num_classes", 0) or 0)


def model_codes(loaded: LoadedModel) -> int:
    """The values of the categorical code a model's sampler reads from its latent (0: none;
    also for a generator whose own ``codes`` attribute is something else)."""
    codes = getattr(loaded.sampler, "codes", 0)
    return codes if isinstance(codes, int) and not isinstance(codes, bool) and codes > 0 else 0


def plan(loaded: LoadedModel, n: int, labels: Any = None, per_label: int | None = None, code: Any = None,
         per_code: int | None = None) -> Picks:
    """The samples asked of ``loaded``: how many, each one's label and code, a grid's rows."""
    asked = code is not None or per_code is not None
    return plan_picks(n, conditional_classes(loaded), model_codes(loaded) if asked else 0, labels, per_label,
                      code, per_code)


def sample(source: str | Path | LoadedModel, n: int = 64, labels: torch.Tensor | list[int] | None = None,
           seed: int = 0, truncation: float | None = None, device: str = "cpu",
           per_label: int | None = None, code: torch.Tensor | list[int] | int | None = None,
           per_code: int | None = None) -> torch.Tensor:
    """``n`` samples (images in [-1, 1] or 2D points) from a run, checkpoint or loaded model.
    ``labels`` / ``code`` (cycled to fill n): each sample's class (conditional models) or
    categorical code (models that read one from z); ``per_label`` / ``per_code`` K: each of
    them (all by default) K times in a row, n ignored."""
    loaded = source if isinstance(source, LoadedModel) else load_model(source, device)
    return draw(loaded, plan(loaded, n, labels, per_label, code, per_code), seed, truncation)


@torch.no_grad()
def draw(loaded: LoadedModel, picks: Picks, seed: int = 0, truncation: float | None = None) -> torch.Tensor:
    """The samples ``plan`` asked for, in chunks: the same seed gives the same latents, and
    a picked code is swapped into each latent after it is drawn."""
    if loaded.kind == "unpaired-images":
        raise GanzooError("image-to-image models translate images: use `ganzoo translate` or ganzoo.translate().")
    g = torch.Generator().manual_seed(seed)
    out = []
    for start in range(0, picks.n, CHUNK):
        count = min(CHUNK, picks.n - start)
        chunk_labels = None if picks.labels is None else picks.labels[start : start + count]
        inputs = loaded.model.sample_inputs(count, g, labels=chunk_labels, truncation=truncation)
        if picks.codes is not None:  # the same latents, each with its code swapped in
            if "z" not in inputs:
                raise GanzooError(f"model {loaded.meta['model']!r} draws no latent z to pick a code in.")
            inputs = {**inputs, "z": loaded.sampler.with_code(inputs["z"], picks.codes[start : start + count])}
        out.append(loaded.model.generate(inputs, loaded.nets).float().cpu())
    return torch.cat(out)


def sample_grid(source: str | Path | LoadedModel, out: str | Path, n: int = 64,
                labels: torch.Tensor | list[int] | None = None, per_label: int | None = None,
                nrow: int | None = None, seed: int = 0, truncation: float | None = None,
                device: str = "cpu", code: torch.Tensor | list[int] | int | None = None,
                per_code: int | None = None) -> Path:
    """Samples as a PNG grid, ``nrow`` per row; by default one row per class for a conditional
    model, and one row per value where labels or codes come in runs of one length
    (``per_label``, ``per_code``), else a square-ish grid."""
    loaded = source if isinstance(source, LoadedModel) else load_model(source, device)
    if loaded.kind == "points-2d":
        raise GanzooError("a points model's samples are a scatter plot: use `ganzoo sample --out FILE.png`.")
    if nrow is not None and nrow < 1:
        raise GanzooError(f"nrow must be a positive number of images per row, not {nrow}.")
    picks = plan(loaded, n, labels, per_label, code, per_code)
    images = draw(loaded, picks, seed, truncation)
    return save_samples(images, out, loaded.data_info, nrow or grid_columns(picks.rows, picks.n, conditional_classes(loaded)))


def require_translator(loaded: LoadedModel) -> None:
    """Refuse, with what to use instead, a model that has no translation directions."""
    if not loaded.model.directions:
        raise GanzooError(f"model {loaded.meta['model']!r} is not an image-to-image model; "
                          "use `ganzoo sample` (ganzoo.sample() in Python).")


@torch.no_grad()
def translate(source: str | Path | LoadedModel, images: torch.Tensor, direction: str = "a2b",
              device: str = "cpu") -> torch.Tensor:
    """Images in [-1, 1] translated ``a2b`` or ``b2a`` (batched; returned on the CPU as float32)."""
    loaded = source if isinstance(source, LoadedModel) else load_model(source, device)
    require_translator(loaded)
    info = loaded.data_info
    expected = (info.channels, info.image_size, info.image_size)
    if images.dim() != 4 or tuple(images.shape[1:]) != expected:
        raise GanzooError(f"expected images of shape (N, {', '.join(map(str, expected))}) in [-1, 1], "
                          f"got {tuple(images.shape)}; resize them to the model's {info.image_size} px first.")
    return torch.cat([loaded.model.translate(images[i : i + CHUNK], direction, loaded.nets).float().cpu()
                      for i in range(0, len(images), CHUNK)])


def load(source: str | Path, direction: str = "a2b") -> nn.Module:
    """The trained generator (EMA weights where kept); for image-to-image models, the
    ``direction`` one."""
    loaded = load_model(source)
    if loaded.kind == "unpaired-images":
        return loaded.nets[loaded.model.directions[direction]]
    return loaded.sampler
