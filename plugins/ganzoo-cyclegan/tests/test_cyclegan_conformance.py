"""ganzoo's conformance kit (ganzoo.testing) over every model of ganzoo-cyclegan, at tiny sizes."""

from ganzoo.testing import PluginConformance


class TestConformance(PluginConformance):
    distribution = "ganzoo-cyclegan"
    tiny = {"cyclegan": {"image_size": 32, "ngf": 4, "ndf": 4, "n_blocks": 1, "pool_size": 2}}
