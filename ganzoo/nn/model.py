"""The model-family contract: what a plugin supplies, and what the Trainer gives it.

A family supplies its nets, its optimisers and its training step (how D and G
update per batch: critic steps, penalties, clipping, cycle terms). The Trainer owns
everything else, once for every model: device, precision, the loop, EMA, sample
grids, checkpoints, resume, hooks and DistributedDataParallel. CycleGAN (four nets,
image pools) and StyleGAN-style models (lazy regularisation) fit the same contract:
nets are named attributes, pools go in ``extra_state``, and ``train_step`` decides
what happens in one iteration.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch
from torch import nn

from ganzoo.nn.augment import Augment
from ganzoo.nn.base import DataInfo, StyleGenerator


def per_class_row(n: int, num_classes: int) -> int:
    """Images per row of a grid with one row per class: ``n // num_classes`` (at least 1)."""
    return max(1, n // num_classes)


def class_rows(n: int, num_classes: int) -> torch.Tensor:
    """Labels for ``n`` samples laid out one row per class (0 0 0 .. 1 1 1 ..), every class
    given the same number of images; the ``n % num_classes`` left over repeat the classes in order.
    (64 images of 10 classes: six of each class, then 0..3 once more, not nine rows of 7 and one of 1.)"""
    per = per_class_row(n, num_classes)
    full = torch.arange(min(n, per * num_classes)) // per
    return torch.cat([full, torch.arange(n - len(full)) % num_classes]).long()


class StepContext:
    """Handed to ``train_step``: precision, gradient scaling, more real batches and augmentation."""

    def __init__(self, *, step: int, device: torch.device, autocast: Callable[[], contextlib.AbstractContextManager],
                 scaler: torch.amp.GradScaler | None, next_batch: Callable[[], Any],
                 augment: Augment | None = None) -> None:
        self.step = step
        self.device = device
        self._autocast = autocast
        self._scaler = scaler
        self._next_batch = next_batch
        self._augment = augment or Augment("none")

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        """What D should see of ``images`` (real or fake): the run's differentiable augmentation
        (``--augment``), or ``images`` unchanged when it is off. Call it on every D input, in D's
        and G's steps and inside R1 / gradient penalties; set ``augments = True`` on the model."""
        return self._augment(images)

    def observe_real_scores(self, scores: torch.Tensor) -> None:
        """Report D's scores on augmented reals: adaptive augmentation (``--augment ada``) tunes
        its probability from their signs. Free when augmentation is not adaptive."""
        self._augment.observe(scores)

    def autocast(self) -> contextlib.AbstractContextManager:
        """The run's mixed-precision context; compute losses in fp32 outside it or via .float()."""
        return self._autocast()

    def backward(self, loss: torch.Tensor) -> None:
        (self._scaler.scale(loss) if self._scaler is not None else loss).backward()

    def step_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        if self._scaler is not None:
            self._scaler.step(optimizer)
        else:
            optimizer.step()

    def next_batch(self) -> Any:
        """Another real batch, for families that take several D steps per G step."""
        return self._next_batch()


class GanModel(ABC):
    """A model family's nets, optimisers and training step.

    A spec's builder may name the subclass itself (``"ganzoo_mygan.model:MyGAN"``): the
    core calls it as ``MyGAN(config, data)``, so no ``build`` function is needed.

    A family writes ``__init__`` (its nets) and ``train_step``; ``build_optimizers``
    defaults to Adam for ``self.G`` and for ``self.D`` from the settings ``lr``, ``lr_d``,
    ``beta1`` and ``beta2`` (see ``adam_optimizers``), which is what most GANs use, so a
    family overrides it only where its optimisers differ (WGAN's RMSProp, StyleGAN's
    rates corrected for lazy regularisation) or its nets have other names (CycleGAN's
    two of each, which still calls ``adam_optimizers``).

    During training the Trainer may replace each net attribute with a wrapper
    (DistributedDataParallel under torchrun) that forwards calls and attribute reads,
    so ``train_step`` uses ``self.G(z)`` and ``self.G.latent_dim`` either way. Make
    fakes for discriminator steps under ``torch.no_grad()``: a generator forward that
    never gets a backward would stall DDP's gradient reduction.
    """

    #: attribute names of the nets this model trains (nn.Modules)
    net_names: tuple[str, ...] = ("G", "D")
    #: nets used to make samples; EMA keeps averaged copies of exactly these
    sampler_names: tuple[str, ...] = ("G",)
    #: convolutional models have bf16 autocast and channels_last measured for them (training/precision.py)
    convolutional: bool = False
    #: image-to-image families: which net translates each way, e.g. {"a2b": "G_A", "b2a": "G_B"}
    directions: dict[str, str] = {}
    #: the training step passes every D input through ``ctx.augment`` (so ``--augment`` may be used)
    augments: bool = False

    def __init__(self, config: Mapping[str, Any], data: DataInfo) -> None:
        self.config = dict(config)
        self.data = data

    # -- what a family must write -----------------------------------------------
    @abstractmethod
    def train_step(self, batch: Any, ctx: StepContext) -> dict[str, torch.Tensor]:
        """One training iteration; returns its losses and other figures as *detached* scalar
        tensors (``{"loss_D": loss_d.detach(), ...}``), never floats.

        ``.item()``, ``float()`` or ``.cpu()`` in a step makes the host wait for the
        device every step; the Trainer instead stacks these tensors and moves them to
        the host once per ``log_every`` steps, where it averages, logs and checks them
        for NaN (and once before every checkpoint, so none is written after a bad step).
        Keep the keys the same from step to step."""

    # -- optimisers (the default: Adam for G and for D) ---------------------------------
    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """One optimiser per group of nets, by name (``{"G": ..., "D": ...}``), together
        covering every trainable parameter; the Trainer schedules, checkpoints and resumes them.

        The default is ``adam_optimizers(self.G.parameters(), self.D.parameters())``, the
        optimisers most GANs train with, so a family with nets ``G`` and ``D`` writes none.
        Override it for other optimisers, other rates, or nets with other names."""
        missing = [name for name in ("G", "D") if not hasattr(self, name)]
        if missing:
            raise TypeError(f"{type(self).__name__} has no net {' or '.join(missing)}, which the default "
                            "build_optimizers trains: write its own (self.adam_optimizers(g_params, d_params) "
                            "gives the default Adam over any parameters).")
        return self.adam_optimizers(self.G.parameters(), self.D.parameters())

    def adam_optimizers(self, g_params: Iterable[nn.Parameter],
                        d_params: Iterable[nn.Parameter]) -> dict[str, torch.optim.Optimizer]:
        """Adam for the generator side and for the discriminator side, the same for every
        family that uses it, so one place reads the settings and every family reads them alike:

        - ``lr``: G's learning rate (and D's);
        - ``lr_d``: D's own rate, the two time-scale update rule (Heusel et al. 2017);
          0, ``None`` or absent: ``lr``;
        - ``beta1`` (absent: 0.5, DCGAN's choice for GANs) and ``beta2`` (absent: 0.999,
          Adam's own).

        Absent settings take those values so that weights and runs saved before a family
        declared a setting rebuild with the optimisers they trained with; a setting is one
        users can change only once the spec's ``defaults`` declare it. Sets ``self.opt_g``
        and ``self.opt_d`` (what ``train_step`` steps) and returns ``{"G": ..., "D": ...}``."""
        c = self.config
        betas = (c.get("beta1", 0.5), c.get("beta2", 0.999))
        self.opt_g = torch.optim.Adam(g_params, c["lr"], betas=betas)
        self.opt_d = torch.optim.Adam(d_params, c.get("lr_d") or c["lr"], betas=betas)
        return {"G": self.opt_g, "D": self.opt_d}

    # -- sampling (defaults fit unconditional and conditional generators) -------------
    def sample_inputs(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
                      truncation: float | None = None, examples: Any = None) -> dict[str, Any]:
        """The fixed inputs of a sample grid: latents, and labels for conditional models.

        For image-to-image models (``directions`` set) the Trainer passes ``examples``:
        a tuple of fixed test images of domain A and of domain B, in [-1, 1]."""
        g = self.nets()[self.sampler_names[0]]
        style = isinstance(getattr(g, "module", g), StyleGenerator)
        # truncation: in W for style models (psi, applied by the generator), else re-drawn z components
        z = g.sample_latent(n, generator=generator, truncation=None if style else truncation)
        extra = {"truncation": float(truncation)} if style and truncation is not None else {}
        if self.data.num_classes and getattr(g, "num_classes", 0):
            if labels is None:  # rows of one class each: 0 0 0 .. 1 1 1 ..
                labels = class_rows(n, self.data.num_classes)
            return {"z": z, "labels": labels.long(), **extra}
        return {"z": z, **extra}

    def generate(self, inputs: Mapping[str, Any], nets: Mapping[str, nn.Module]) -> torch.Tensor:
        """Samples from fixed inputs with the given nets (the EMA copies when present)."""
        g = nets[self.sampler_names[0]]
        device = next(g.parameters()).device
        labels = inputs.get("labels")
        labels = None if labels is None else labels.to(device)
        if "truncation" in inputs:
            return g(inputs["z"].to(device), labels, truncation=inputs["truncation"])
        return g(inputs["z"].to(device), labels)

    def preview(self, inputs: Mapping[str, Any], nets: Mapping[str, nn.Module]) -> tuple[torch.Tensor, int]:
        """What a sample grid shows, and how many images per row."""
        samples = self.generate(inputs, nets)
        if self.data.num_classes and "labels" in inputs:  # one row per class
            return samples, per_class_row(len(samples), self.data.num_classes)
        return samples, 8

    def translate(self, images: torch.Tensor, direction: str, nets: Mapping[str, nn.Module]) -> torch.Tensor:
        """Image-to-image families translate ``a2b`` or ``b2a`` with the net ``directions`` names."""
        if direction not in self.directions:
            raise ValueError(f"{type(self).__name__} translates {sorted(self.directions) or 'nothing'}, not {direction!r}")
        net = nets[self.directions[direction]]
        return net(images.to(next(net.parameters()).device))

    # -- state beyond nets and optimisers (image pools, lazy-regularisation counters) --
    def extra_state(self) -> dict[str, Any]:
        return {}

    def load_extra_state(self, state: Mapping[str, Any]) -> None:
        """Restore what ``extra_state`` returned."""

    # -- helpers the Trainer uses ----------------------------------------------------
    def nets(self) -> dict[str, nn.Module]:
        return {name: getattr(self, name) for name in self.net_names}

    def replace_nets(self, wrap: Callable[[str, nn.Module], nn.Module]) -> None:
        """Swap each net for ``wrap(name, net)`` (device moves, DistributedDataParallel)."""
        for name in self.net_names:
            setattr(self, name, wrap(name, getattr(self, name)))

    def iter_parameters(self) -> Iterator[nn.Parameter]:
        for net in self.nets().values():
            yield from net.parameters()
