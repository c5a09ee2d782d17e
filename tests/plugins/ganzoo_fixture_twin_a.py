"""One of two plugins that both claim the model name 'twin'."""

from ganzoo import hookimpl
from ganzoo.registry import ModelSpec


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(name="twin", summary="twin from plugin a", task="unconditional", builder="ganzoo_fixture_twin_a:build"))
