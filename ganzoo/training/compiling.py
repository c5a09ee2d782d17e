"""``--compile``: every net compiled in place, and the eager fallback for the penalties that
torch.compile cannot differentiate twice.

R1, WGAN-GP's gradient penalty and StyleGAN's path-length term take the gradient of a
gradient (``create_graph=True``); a graph from torch.compile's ``aot_autograd`` cannot be
differentiated again, and raises at the first step that takes one. Most families' defaults
take one (lazily, so from step 0), and a training step cannot know in advance, so the step
that raises is run again on the same batch with every net back to eager execution, and the
run says so once. That is only safe when no optimizer stepped before the error (R1 and
WGAN-GP come before D's update); a step that had already updated a net (CycleGAN's G
before a penalised D, a path-length term after D's update) is not repeated: the run stops
with one line saying to train without ``--compile``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from torch import nn
from torch.optim.optimizer import register_optimizer_step_post_hook

from ganzoo.errors import GanzooError


def compile_in_place(nets: Mapping[str, nn.Module]) -> None:
    """``nn.Module.compile`` on every net: the same modules, so checkpoints keep their keys."""
    for net in nets.values():
        net.compile()


def is_compiled(nets: Mapping[str, nn.Module]) -> bool:
    """Whether ``compile_in_place`` compiled these nets: each net, or under ``--nproc`` the net
    inside its DistributedDataParallel wrapper (compiled first, wrapped after). Asked every
    step, so it looks at those two modules only, not at every layer."""
    return any(getattr(module, "_compiled_call_impl", None) is not None
               for net in nets.values() for module in (net, getattr(net, "module", None)) if module is not None)


def run_eagerly(*nets: nn.Module) -> None:
    """Undo ``nn.Module.compile`` on every module of ``nets``: each calls its own forward again."""
    for net in nets:
        for module in net.modules():
            if getattr(module, "_compiled_call_impl", None) is not None:
                module._compiled_call_impl = None


def takes_double_backward(err: BaseException) -> bool:
    return isinstance(err, RuntimeError) and "double backward" in str(err)


def step_falling_back(model: Any, batch: Any, ctx: Any, say: Callable[[str], None]) -> dict:
    """``model.train_step(batch, ctx)``; if its compiled nets cannot take the step's double backward,
    the same batch again with the nets eager."""
    nets = model.nets()
    if not is_compiled(nets):
        return model.train_step(batch, ctx)
    stepped: list[object] = []
    hook = register_optimizer_step_post_hook(lambda optimizer, args, kwargs: stepped.append(optimizer))
    try:
        return model.train_step(batch, ctx)
    except RuntimeError as err:
        if not takes_double_backward(err):
            raise
        if stepped:
            raise GanzooError("--compile: this model's penalty takes a gradient of a gradient, which torch.compile "
                              "cannot differentiate, after the step had updated a net; train without --compile.") from None
    finally:
        hook.remove()
    run_eagerly(*nets.values())
    for net in nets.values():
        net.zero_grad(set_to_none=True)
    say("note: --compile: this model's penalty takes a gradient of a gradient, which torch.compile cannot "
        "differentiate; the run goes on uncompiled")
    return model.train_step(batch, ctx)
