"""A plugin whose author misspelt a hook name (model, not models)."""

from ganzoo import hookimpl
from ganzoo.registry import ModelSpec


@hookimpl
def ganzoo_register_model(register):
    register(ModelSpec(name="misspelt", summary="never registered", task="unconditional", builder="x:y"))
