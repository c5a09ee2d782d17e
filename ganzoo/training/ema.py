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


class EMA:
    def __init__(self, nets: Mapping[str, nn.Module], decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self.shadow = {name: copy.deepcopy(unwrap(net)).eval().requires_grad_(False) for name, net in nets.items()}

    @torch.no_grad()
    def update(self, nets: Mapping[str, nn.Module]) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))  # warm-up: early weights fade fast
        for name, shadow in self.shadow.items():
            live = unwrap(nets[name])
            for averaged, current in zip(shadow.parameters(), live.parameters()):
                averaged.lerp_(current.detach(), 1 - decay)
            for averaged, current in zip(shadow.buffers(), live.buffers()):
                averaged.copy_(current)

    def state_dict(self) -> dict[str, Any]:
        return {"updates": self.updates, "nets": {name: net.state_dict() for name, net in self.shadow.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.updates = int(state["updates"])
        for name, net in self.shadow.items():
            net.load_state_dict(state["nets"][name])
