"""One of two plugins that both claim the model name 'twin'."""

from ganzoo import hookimpl
from ganzoo.registry import ModelSpec


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(name="twin", summary="twin from plugin b", task="unconditional", builder="ganzoo_fixture_twin_b:build"))
