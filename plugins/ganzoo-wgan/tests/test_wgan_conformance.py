"""ganzoo's conformance kit (ganzoo.testing) over every model of ganzoo-wgan, at tiny sizes."""

from ganzoo.testing import PluginConformance


class TestConformance(PluginConformance):
    distribution = "ganzoo-wgan"
    tiny = {"wgan": {"hidden": 16, "layers": 1, "width": 8}, "wgan-gp": {"hidden": 16, "layers": 1, "width": 8}}
