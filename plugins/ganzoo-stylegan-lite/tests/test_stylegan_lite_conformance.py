"""ganzoo's conformance kit (ganzoo.testing) over StyleGAN-lite, at a tiny size."""

from ganzoo.testing import PluginConformance


class TestConformance(PluginConformance):
    distribution = "ganzoo-stylegan-lite"
    # r1 and mixing on every step, so the kit's 3 steps and its resume check cover them
    tiny = {"stylegan-lite": {"width": 8, "max_width": 16, "latent_dim": 16, "mapping_layers": 2,
                              "r1_every": 1, "mixing_prob": 1.0, "pl_weight": 1.0, "pl_every": 2}}
