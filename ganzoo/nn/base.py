"""Abstract nets and the data description a model is built from (public through
``ganzoo.plugin``). Each net records the hyperparameters it was built with, so a
checkpoint can rebuild it without the code that trained it guessing."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

from ganzoo.errors import GanzooError


@dataclass
class DataInfo:
    """What a model needs to know about its data, saved in checkpoints so that
    sampling works without loading the dataset. A family's builder receives it as
    ``build(config, data)``.

    What one sample is, by ``kind`` (``ganzoo.plugin.sample_shape(data)`` gives the shape):

    | kind | one sample | ``image_size``, ``channels`` | ``class_names`` |
    | --- | --- | --- | --- |
    | ``points-2d`` | a (2,) float tensor: the point dimension is 2, in the kind's name | ``None``, ``None`` | ``()`` |
    | ``images`` | a (C, S, S) tensor in [-1, 1] | S, C (1 or 3) | ``()`` |
    | ``labelled-images`` | an image and an integer label | S, C | one name per class |
    | ``unpaired-images`` | an image of domain A and one of domain B | S, C | ``()`` |

    ``image_size`` is what the run trains at (``--image-size`` resizes), so build nets
    from it rather than from a setting. A model that accepts ``images`` also receives
    labelled data (its batches then carry labels it may ignore: ``images_of(batch)``).
    Batches reach ``train_step`` as stacked tensors: ``(N, 2)``, ``(N, C, S, S)``,
    ``(images, labels)`` or ``(images_a, images_b)``.

    Attributes:
        name: the dataset's name (or folder).
        kind: one of ``ganzoo.plugin.DATA_KINDS``.
        image_size: side of the square images in pixels; ``None`` for points.
        channels: 1 or 3 for images; ``None`` for points.
        class_names: the classes of labelled data, in label order (``num_classes`` counts them).
        extra: what evaluators need to know, e.g. the mode centres and std of ``ring`` and ``grid``.
    """

    name: str
    kind: str
    image_size: int | None = None
    channels: int | None = None
    class_names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. mode centres of 2D mixtures

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @classmethod
    def from_data(cls, data: Any) -> DataInfo:
        extra = {k: v.tolist() if isinstance(v, torch.Tensor) else v for k, v in data.info.items()}
        return cls(data.name, data.kind, data.image_size, data.channels, tuple(data.class_names), extra)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Net(nn.Module):
    """A module that remembers its constructor's hyperparameters (``self.hparams``).

    Pass every constructor argument on to ``super().__init__(**hparams)`` (plain
    numbers, strings, lists): they are saved with the weights, for provenance."""

    def __init__(self, **hparams: Any) -> None:
        super().__init__()
        self.hparams = dict(hparams)


class Generator(Net, ABC):
    """Maps latent vectors (and, for conditional models, class labels) to samples.

    Subclass it and call ``super().__init__(latent_dim, num_classes, **hparams)``:

    Args:
        latent_dim: size of the latent vectors ``z`` (required): ganzoo draws ``z`` of shape
            (N, latent_dim) for sample grids and ``ganzoo sample`` (``sample_latent``).
        num_classes: the classes a conditional generator takes as ``labels``; 0 (the
            default) for unconditional ones. Non-zero makes ganzoo pass labels when sampling.
        **hparams: your own constructor arguments, recorded in ``self.hparams``.

    Required: ``forward(z, labels=None)`` returning samples of ``sample_shape(data)``
    per latent, images in [-1, 1] (end in ``tanh``). Attributes ``latent_dim`` and
    ``num_classes`` are set for you.

    Optional (plugin API 1.5): a categorical code read from z, as InfoGAN's (Chen et al.
    2016). Set ``self.codes = K`` and draw with ``self.code_of(z)``, the index of the
    largest of z's first K components; ``ganzoo sample --code k`` then picks the code
    with ``with_code``. Reading the code from z keeps latents standard normal, so
    sampling, truncation and interpolation need nothing of their own.
    """

    #: the values of the categorical code read from z (``code_of``); 0: none
    codes: int = 0

    def __init__(self, latent_dim: int, num_classes: int = 0, **hparams: Any) -> None:
        super().__init__(latent_dim=latent_dim, num_classes=num_classes, **hparams)
        self.latent_dim = latent_dim
        self.num_classes = num_classes

    def code_of(self, z: torch.Tensor) -> torch.Tensor:
        """The categorical code of each latent: the index of the largest of its first ``codes`` components."""
        if not 0 < self.codes <= z.shape[1]:
            raise GanzooError(f"this generator's code has {self.codes} values; it needs 1 to {z.shape[1]} "
                              "(its latent's size).")
        return z[:, : self.codes].argmax(1)

    def with_code(self, z: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """``z`` with each latent's code set to ``code`` (N,): its largest first-``codes``
        component swapped into place ``code``. Among latents of one code, as likely as the
        original among all, so a picked code's samples are the model's own for that code;
        the components past the first ``codes`` stay, so one z drawn with two codes differs
        only in its first ``codes`` components."""
        code = torch.as_tensor(code, device=z.device).long().flatten()
        rows = torch.arange(len(z), device=z.device)
        top = self.code_of(z)
        out = z.clone()
        out[rows, code], out[rows, top] = z[rows, top], z[rows, code]
        return out

    def sample_latent(self, n: int, generator: torch.Generator | None = None, device: Any = None,
                      truncation: float | None = None) -> torch.Tensor:
        """Standard normal latents; with ``truncation`` t, components beyond +-t are re-drawn."""
        z = torch.randn(n, self.latent_dim, generator=generator)
        if truncation is not None:
            if truncation <= 0:
                raise GanzooError(f"--truncation must be a positive number of standard deviations, not {truncation}.")
            for _ in range(100):
                outside = z.abs() > truncation
                if not outside.any():
                    break
                z[outside] = torch.randn(int(outside.sum()), generator=generator)
            z = z.clamp(-truncation, truncation)
        return z.to(device) if device is not None else z

    @abstractmethod
    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Samples for latents ``z`` (N, latent_dim), conditioned on ``labels`` (N,) if given."""


class StyleGenerator(Generator):
    """A generator with an intermediate latent space W (Karras et al. 2019): ``mapping``
    turns z into a style vector w, ``synthesis`` draws an image from one w per layer.

    Subclass it, call ``super().__init__(latent_dim, w_dim=..., num_ws=..., **hparams)``
    and write ``mapping(z, labels)`` -> (N, w_dim) and ``synthesis(ws)`` for ws of shape
    (N, num_ws, w_dim). In return ganzoo gives every style model the same tools:

    - ``w_avg``, a running mean of w updated by training forwards (like batch norm's
      running statistics: it is a buffer, so checkpoints, EMA copies and exported
      weights carry it), which the truncation trick pulls towards;
    - ``forward(z, labels, truncation=psi, mix_z=z2, crossover=c)``: truncation in W
      (psi 1 = none, 0 = the image of ``w_avg``) and style mixing (layers from ``c`` on
      take z2's style), so ``ganzoo sample --truncation``, ``ganzoo mix`` and
      ``ganzoo interpolate`` (lerp in W) work for the model with no code of its own.

    Layers are coarse to fine: ``ws[:, i]`` styles the i-th layer from the 4x4 input up.
    """

    def __init__(self, latent_dim: int, num_classes: int = 0, *, w_dim: int, num_ws: int,
                 w_avg_beta: float = 0.995, **hparams: Any) -> None:
        super().__init__(latent_dim, num_classes, w_dim=w_dim, num_ws=num_ws, w_avg_beta=w_avg_beta, **hparams)
        self.w_dim = w_dim
        self.num_ws = num_ws
        self.w_avg_beta = w_avg_beta
        self.register_buffer("w_avg", torch.zeros(w_dim))

    @abstractmethod
    def mapping(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Style vectors w (N, w_dim) for latents z (N, latent_dim)."""

    @abstractmethod
    def synthesis(self, ws: torch.Tensor) -> torch.Tensor:
        """Images for per-layer styles ``ws`` (N, num_ws, w_dim), coarse layers first."""

    def truncate(self, w: torch.Tensor, psi: float | None) -> torch.Tensor:
        """The truncation trick in W: ``w_avg + psi * (w - w_avg)``."""
        if psi is None or psi == 1:
            return w
        if psi < 0:
            raise ValueError(f"truncation psi must be >= 0 for a style model (1 = none, 0 = the average image), got {psi}")
        return self.w_avg.to(w.dtype).lerp(w, psi)

    def broadcast(self, w: torch.Tensor) -> torch.Tensor:
        """One w for every layer: (N, w_dim) -> (N, num_ws, w_dim)."""
        return w.unsqueeze(1).expand(-1, self.num_ws, -1)

    def check_crossover(self, crossover: int) -> None:
        if not 0 < crossover < self.num_ws:
            raise ValueError(f"crossover must be a layer between 1 and {self.num_ws - 1} "
                             f"(this generator styles {self.num_ws} layers), got {crossover}")

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, *, truncation: float | None = None,
                mix_z: torch.Tensor | None = None, crossover: int | None = None) -> torch.Tensor:
        w = self.mapping(z, labels)
        if self.training:  # the running mean of w, for truncation at sampling time
            with torch.no_grad():
                self.w_avg.lerp_(w.detach().float().mean(0), 1 - self.w_avg_beta)
        ws = self.broadcast(self.truncate(w, truncation))
        if mix_z is not None:  # style mixing: layers from the crossover on take the second latent's style
            self.check_crossover(int(crossover or 0))
            w2 = self.broadcast(self.truncate(self.mapping(mix_z, labels), truncation))
            ws = torch.cat([ws[:, :crossover], w2[:, crossover:]], dim=1)
        return self.synthesis(ws)


class ImageToImageGenerator(Net, ABC):
    """Translates an image batch from one domain to another.

    Subclass it and call ``super().__init__(**hparams)`` (no required arguments).
    Required: ``forward(x)`` returning images of ``x``'s shape, in [-1, 1]. A model names
    its translators in ``GanModel.directions`` (``{"a2b": "G_AB", "b2a": "G_BA"}``).
    """

    @abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Translated images, same shape as ``x``."""


class Discriminator(Net, ABC):
    """Scores samples: raw logits or critic values, one per sample (or per patch).

    Subclass it and call ``super().__init__(**hparams)`` (no required arguments).
    Required: ``forward(x, labels=None)`` returning raw scores (no sigmoid: losses take
    logits) whose first dimension is the batch, e.g. (N, 1) or (N, 1, H', W') for a
    PatchGAN. Conditional discriminators use ``labels`` (N,); others ignore them.
    """

    @abstractmethod
    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Scores for ``x``; conditional discriminators also see ``labels``."""
