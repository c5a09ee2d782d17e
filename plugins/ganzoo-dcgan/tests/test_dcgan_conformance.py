"""ganzoo's conformance kit (ganzoo.testing) over every model of ganzoo-dcgan, at tiny sizes."""

from ganzoo.testing import PluginConformance


class TestConformance(PluginConformance):
    distribution = "ganzoo-dcgan"
    tiny = {"dcgan": {"width": 8, "latent_dim": 16}}
