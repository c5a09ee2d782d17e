"""ganzoo's conformance kit over StyleGAN-lite, at a tiny size."""

from ganzoo.testing import conformance_for

# r1 and mixing on every step and path-length regularisation on, so the kit's 3 steps and its resume check cover them
TestConformance = conformance_for("ganzoo-stylegan-lite", tiny={"stylegan-lite": {
    "width": 8, "max_width": 16, "latent_dim": 16, "mapping_layers": 2,
    "r1_every": 1, "mixing_prob": 1.0, "pl_weight": 1.0, "pl_every": 2}})
