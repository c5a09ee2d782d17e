"""ganzoo's conformance kit (ganzoo.testing) over every model of ganzoo-vanilla, at tiny sizes."""

from ganzoo.testing import PluginConformance


class TestConformance(PluginConformance):
    distribution = "ganzoo-vanilla"
    tiny = {"vanilla": {"hidden": 16, "layers": 1}}
