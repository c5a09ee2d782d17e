"""An exponential moving average of the sampling nets (Karras et al. use it for every
generator they publish): samples from averaged weights are smoother and steadier."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn


def unwrap(net: nn.Module) -> nn.Module:
    """The plain module inside DistributedDataParallel (or the module itself)."""
    return getattr(net, "module", net)


def plain_copy(net: nn.Module) -> nn.Module:
    """A deep copy of ``net`` that runs eagerly. A module compiled in place
    (``nn.Module.compile``) keeps its compiled call in ``_compiled_call_impl``, which a
    deep copy would share with the original, so the copy would run the original's weights."""
    twin = copy.deepcopy(unwrap(net))
    for module in twin.modules():
        if getattr(module, "_compiled_call_impl", None) is not None:
            module._compiled_call_impl = None
    return twin


class EMA:
    """Averaged copies of nets, updated with one fused ``_foreach`` kernel per kind of
    tensor (a Python loop of one kernel per parameter costs a host round trip each)."""

    def __init__(self, nets: Mapping[str, nn.Module], decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.shadow = {name: plain_copy(net).eval().requires_grad_(False) for name, net in nets.items()}
        self._pairs: tuple[list[torch.Tensor], ...] | None = None

    def _tensors(self, nets: Mapping[str, nn.Module]) -> tuple[list[torch.Tensor], ...]:
        """(averaged params, live params, averaged float buffers, live float buffers, other
        averaged buffers, other live buffers), gathered once: the live nets' tensors are
        updated in place by their optimisers, so the same lists serve every step."""
        if self._pairs is None:
            lists: tuple[list[torch.Tensor], ...] = ([], [], [], [], [], [])
            for name, shadow in self.shadow.items():
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

    def state_dict(self) -> dict[str, Any]:
        return {"updates": self.updates, "nets": {name: net.state_dict() for name, net in self.shadow.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.updates = int(state["updates"])
        for name, net in self.shadow.items():
            net.load_state_dict(state["nets"][name])
