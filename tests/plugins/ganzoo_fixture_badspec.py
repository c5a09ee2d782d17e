"""A plugin that registers the wrong kind of spec from a hook, after a valid one."""

from ganzoo import hookimpl
from ganzoo.registry import LossSpec, ModelSpec


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(name="halfway", summary="registered before the mistake", task="unconditional", builder="x:y"))
    register(LossSpec(name="oops", summary="a loss from the models hook", builder="x:y"))
