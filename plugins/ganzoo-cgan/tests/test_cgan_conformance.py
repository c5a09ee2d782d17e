"""ganzoo's conformance kit (ganzoo.testing) over every model of ganzoo-cgan, at tiny sizes."""

from ganzoo.testing import PluginConformance


class TestConformance(PluginConformance):
    distribution = "ganzoo-cgan"
    tiny = {"cgan": {"width": 8, "hidden": 32, "embed_dim": 8, "latent_dim": 16}}
