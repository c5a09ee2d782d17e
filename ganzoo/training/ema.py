"""An exponential moving average of the sampling nets (Karras et al. use it for every
generator they publish): samples from averaged weights are smoother and steadier.

A batch-norm generator (DCGAN's) needs one more step. Its running statistics belong to
the live weights, and averaged weights normalised by them draw washed-out, off-colour
samples. So before the averaged nets are sampled or saved, their batch-norm statistics
are measured afresh on the averaged weights' own outputs, as SWA does (Izmailov et al.
2018, ``torch.optim.swa_utils.update_bn``)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from ganzoo.training.compiling import run_eagerly


def unwrap(net: nn.Module) -> nn.Module:
    """The plain module inside DistributedDataParallel (or the module itself)."""
    return getattr(net, "module", net)


def plain_copy(net: nn.Module) -> nn.Module:
    """A deep copy of ``net`` that runs eagerly. A module compiled in place
    (``nn.Module.compile``) keeps its compiled call in ``_compiled_call_impl``, which a
    deep copy would share with the original, so the copy would run the original's weights."""
    twin = copy.deepcopy(unwrap(net))
    run_eagerly(twin)
    return twin


#: batches of generated images that batch-norm statistics are measured on (64 each:
#: 2,048 samples, a fraction of a second for DCGAN-32 on a CPU)
NORM_BATCHES = 32


def batch_norms(net: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    return [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]


@torch.no_grad()
def remeasure_batch_norm(net: nn.Module, forward: Callable[[int], Any], batches: int = NORM_BATCHES) -> None:
    """Replace ``net``'s batch-norm running statistics by the plain average over
    ``batches`` forward passes (``forward(i)`` runs the i-th), then leave it in eval mode."""
    norms = batch_norms(net)
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average, not an exponential one
    net.train()
    for i in range(batches):
        forward(i)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    net.eval()


def sampler_remeasure(model: Any) -> Callable[[Mapping[str, nn.Module]], None] | None:
    """How a GanModel's averaged sampler re-measures its batch norm: on generated batches
    from fixed latents (seeded, so a resumed run measures the same). None for
    image-to-image models, whose generators take images (and use instance norm)."""
    if model.directions:
        return None

    def remeasure(nets: Mapping[str, nn.Module]) -> None:
        def forward(i: int) -> Any:
            return model.generate(model.sample_inputs(64, torch.Generator().manual_seed(i)), nets)
        remeasure_batch_norm(nets[model.sampler_names[0]], forward)
    return remeasure


class EMA:
    """Averaged copies of nets, updated with one fused ``_foreach`` kernel per kind of
    tensor (a Python loop of one kernel per parameter costs a host round trip each).

    ``remeasure(nets)``, where given, re-measures the averaged nets' batch-norm statistics;
    it runs before they are next sampled or saved, once per stretch of updates."""

    def __init__(self, nets: Mapping[str, nn.Module], decay: float,
                 remeasure: Callable[[Mapping[str, nn.Module]], None] | None = None) -> None:
        self.decay = decay
        self.updates = 0
        self._nets = {name: plain_copy(net).eval().requires_grad_(False) for name, net in nets.items()}
        has_norms = any(batch_norms(net) for net in self._nets.values())
        self._remeasure = remeasure if has_norms else None
        self._stale = False
        self._pairs: tuple[list[torch.Tensor], ...] | None = None

    @classmethod
    def of_samplers(cls, model: Any, decay: float) -> EMA:
        """The EMA of a GanModel's sampling nets (``sampler_names``)."""
        return cls({name: model.nets()[name] for name in model.sampler_names}, decay, sampler_remeasure(model))

    @property
    def shadow(self) -> dict[str, nn.Module]:
        """The averaged nets, in eval mode, with batch-norm statistics of their own."""
        if self._stale and self._remeasure is not None:
            self._remeasure(self._nets)
        self._stale = False
        return self._nets

    def _tensors(self, nets: Mapping[str, nn.Module]) -> tuple[list[torch.Tensor], ...]:
        """(averaged params, live params, averaged float buffers, live float buffers, other
        averaged buffers, other live buffers), gathered once: the live nets' tensors are
        updated in place by their optimisers, so the same lists serve every step."""
        if self._pairs is None:
            lists: tuple[list[torch.Tensor], ...] = ([], [], [], [], [], [])
            for name, shadow in self._nets.items():
                live = unwrap(nets[name])
                for averaged, current in zip(shadow.parameters(), live.parameters()):
                    lists[0].append(averaged)
                    lists[1].append(current.detach())
                for averaged, current in zip(shadow.buffers(), live.buffers()):
                    k = 2 if averaged.is_floating_point() else 4
                    lists[k].append(averaged)
                    lists[k + 1].append(current)
            self._pairs = lists
        return self._pairs

    @torch.no_grad()
    def update(self, nets: Mapping[str, nn.Module]) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))  # warm-up: early weights fade fast
        averaged, live, avg_float, live_float, avg_other, live_other = self._tensors(nets)
        if averaged:
            torch._foreach_lerp_(averaged, live, 1 - decay)
        if avg_float:
            torch._foreach_copy_(avg_float, live_float)
        for mine, theirs in zip(avg_other, live_other):  # integer counters (batch norm's num_batches_tracked)
            mine.copy_(theirs)
        self._stale = True

    def state_dict(self) -> dict[str, Any]:
        return {"updates": self.updates, "nets": {name: net.state_dict() for name, net in self.shadow.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.updates = int(state["updates"])
        for name, net in self._nets.items():
            net.load_state_dict(state["nets"][name])
        self._stale = False  # saved after a re-measure
