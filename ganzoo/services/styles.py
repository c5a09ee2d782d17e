"""Walking and mixing latent spaces: ``ganzoo mix`` and ``ganzoo interpolate``.

Style models (``StyleGenerator``: a mapping network z -> w and one w per layer)
get the two figures of the StyleGAN papers:

- **style mixing**: each cell of a table takes its coarse layers' styles from its row's
  source and its fine layers' from its column's source (``crossover``: the first fine
  layer), which shows what each level of the generator controls;
- **interpolation** by linear steps in W, the space the mapping network learned to make
  flat.

Every other unconditional (or conditional) image generator can still be walked, by
spherical interpolation in z: Gaussian latents live near a sphere, and a straight
line between two of them would pass through the unlikely region near its centre.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ganzoo.artifacts.loading import LoadedModel, load_model
from ganzoo.errors import GanzooError
from ganzoo.files import atomic_write
from ganzoo.io.imaging import grid_image
from ganzoo.nn.base import StyleGenerator

#: images per second of an interpolation GIF
GIF_FPS = 20


def has_styles(loaded: LoadedModel) -> bool:
    """Whether the model's sampling generator is a style generator (a mapping into W)."""
    return isinstance(loaded.sampler, StyleGenerator)


def style_generator(loaded: LoadedModel) -> StyleGenerator:
    """The model's sampling generator, if it has styles; a clear error otherwise."""
    g = loaded.sampler
    if not isinstance(g, StyleGenerator):
        raise GanzooError(f"model {loaded.meta['model']!r} has no styles (no mapping network into W), so it has no "
                          "layers to mix; style mixing needs a style model such as stylegan-lite. "
                          "(`ganzoo interpolate` works for every image model.)")
    return g


def image_generator(loaded: LoadedModel) -> torch.nn.Module:
    """The sampling generator of a model that draws images from latents; a clear error otherwise."""
    if loaded.kind not in ("images", "labelled-images"):
        what = "translates images" if loaded.model.directions else "draws 2-D points"
        raise GanzooError(f"model {loaded.meta['model']!r} {what}; interpolation walks the latent space of an "
                          "image generator (dcgan, cgan, stylegan-lite, ...).")
    return loaded.sampler


def _loaded(source: str | Path | LoadedModel, device: str) -> LoadedModel:
    return source if isinstance(source, LoadedModel) else load_model(source, device)


@dataclass
class StyleMix:
    """The style-mixing figure: ``cells[i, j]`` has the coarse styles of ``rows[i]`` and
    the fine styles of ``cols[j]`` (layers ``crossover`` onwards)."""

    rows: torch.Tensor  # (R, C, H, W): the coarse-style sources
    cols: torch.Tensor  # (K, C, H, W): the fine-style sources
    cells: torch.Tensor  # (R, K, C, H, W)
    crossover: int

    def figure(self) -> tuple[torch.Tensor, int]:
        """Images and images per row for one grid: a blank corner, the column sources
        across the top, then each row source followed by its mixed cells."""
        corner = torch.ones_like(self.cols[:1])  # white
        lines = [torch.cat([corner, self.cols])]
        lines += [torch.cat([self.rows[i : i + 1], self.cells[i]]) for i in range(len(self.rows))]
        return torch.cat(lines), len(self.cols) + 1


@torch.no_grad()
def mix(source: str | Path | LoadedModel, rows: int = 4, cols: int = 6, crossover: int | None = None,
        seed: int = 0, truncation: float | None = None, device: str = "cpu") -> StyleMix:
    """Style mixing: ``rows`` x ``cols`` images, coarse layers (before ``crossover``,
    default: half the layers) styled by the row's latent, the rest by the column's."""
    loaded = _loaded(source, device)
    g = style_generator(loaded)
    if rows < 1 or cols < 1:
        raise GanzooError(f"--rows and --cols must be at least 1, got {rows} and {cols}.")
    crossover = g.num_ws // 2 if crossover is None else crossover
    try:  # the generator's own rule, worded for the option that set it
        g.check_crossover(crossover)
    except ValueError as err:
        raise GanzooError(f"--{err}.") from err
    generator = torch.Generator().manual_seed(seed)
    at = next(g.parameters()).device
    w_rows, w_cols = (g.truncate(g.mapping(torch.randn(n, g.latent_dim, generator=generator).to(at)), truncation)
                      for n in (rows, cols))
    ws_rows, ws_cols = g.broadcast(w_rows), g.broadcast(w_cols)
    cells = torch.stack([
        g.synthesis(torch.cat([ws_rows[i : i + 1].expand(cols, -1, -1)[:, :crossover], ws_cols[:, crossover:]], dim=1))
        for i in range(rows)])
    return StyleMix(g.synthesis(ws_rows).float().cpu(), g.synthesis(ws_cols).float().cpu(), cells.float().cpu(), crossover)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between rows of ``a`` and ``b`` (a straight line where they are parallel)."""
    cos = torch.nn.functional.cosine_similarity(a, b, dim=-1).clamp(-1, 1).unsqueeze(-1)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    straight = sin.abs() < 1e-6
    wa = torch.where(straight, 1 - t, torch.sin((1 - t) * omega) / torch.where(straight, 1, sin))
    wb = torch.where(straight, t, torch.sin(t * omega) / torch.where(straight, 1, sin))
    return wa * a + wb * b


@torch.no_grad()
def interpolate(source: str | Path | LoadedModel, frames: int = 60, n: int = 4, keys: int = 4, seed: int = 0,
                truncation: float | None = None, device: str = "cpu") -> torch.Tensor:
    """``frames`` frames of ``n`` side-by-side walks through ``keys`` random latents and
    back to the first (a loop): (frames, n, C, H, W) in [-1, 1]. Linear in W for style
    models, spherical in z for the others (conditional ones keep one class per walk)."""
    loaded = _loaded(source, device)
    g = image_generator(loaded)
    if frames < 2 or n < 1 or keys < 2:
        raise GanzooError(f"interpolation needs --frames >= 2, --n >= 1 and --keys >= 2, got {frames}, {n}, {keys}.")
    generator = torch.Generator().manual_seed(seed)
    at = next(g.parameters()).device
    z = torch.randn(keys, n, g.latent_dim, generator=generator)
    style = has_styles(loaded)
    if style:
        points = torch.stack([g.truncate(g.mapping(z[k].to(at)), truncation) for k in range(keys)])
    else:
        if truncation is not None:  # the same rule ganzoo sample applies in z
            z = torch.stack([g.sample_latent(n, generator=generator, truncation=truncation) for _ in range(keys)])
        points = z.to(at)
    labels = torch.arange(n, device=at) % loaded.data_info.num_classes if getattr(g, "num_classes", 0) else None
    out = []
    for f in range(frames):
        position = f * keys / frames  # along the closed loop of keys
        k, t = int(position), position - int(position)
        a, b = points[k], points[(k + 1) % keys]
        if style:
            out.append(g.synthesis(g.broadcast(torch.lerp(a, b, t))))
        else:
            out.append(loaded.model.generate({"z": slerp(a, b, t), **({"labels": labels} if labels is not None else {})},
                                             loaded.nets))
    return torch.stack([frame.float().cpu().clamp(-1, 1) for frame in out])


def write_gif(frames: torch.Tensor, path: str | Path, fps: int = GIF_FPS) -> Path:
    """(F, N, C, H, W) frames as a looping GIF, each frame a row of N images (Pillow)."""
    images = [grid_image(frame, nrow=len(frame)).convert("RGB") for frame in frames]
    path = Path(path)

    def write(tmp: str) -> None:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)

    atomic_write(path, write)
    return path
