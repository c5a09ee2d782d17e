"""Entry point: registers CGAN declaratively (no torch imported here).

Its pretrained weights are declared in weights/weights.toml, beside the files."""

from ganzoo.plugin import ModelSpec, Paper, hookimpl

#: the plugin-API versions this plugin is written for (ganzoo.plugin.PLUGIN_API); 1.3 for the
#: GanModel class as builder and the default Adam optimisers; 1.4 for r1_penalty
GANZOO_PLUGIN_API = ">=1.4,<2"

PAPER = Paper("Conditional Generative Adversarial Nets", 2014, "https://arxiv.org/abs/1411.1784",
              "Mirza & Osindero")


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="cgan",
        summary="Conditional GAN: G and D both see the class label; `ganzoo sample --labels 3,3,7`.",
        task="conditional",
        builder="ganzoo_cgan.model:CGAN",
        paper=PAPER,
        data_kinds=("labelled-images",),
        defaults={
            "arch": "conv",  # DCGAN nets with label maps; "mlp" is the paper's MNIST setting
            "conditioning": "embedding",  # or "one-hot"
            "embed_dim": 32,  # size of the learned label embedding
            # conv arch: how D meets y; "input": label maps beside the image, as in the paper;
            # "projection" (Miyato & Koyama 2018): a class vector against D's last features
            "d_conditioning": "input",
            "latent_dim": 64,
            "hidden": 512,
            "width": 32,  # conv arch: feature maps
            "loss": "non-saturating",
            "lr": 2e-4,
            "lr_d": 0.0,  # D's own learning rate (two time-scale update rule); 0: the same as lr
            "beta1": 0.5,
            "beta2": 0.999,
            "r1": 0.0,  # R1 penalty weight on real data (Mescheder et al. 2018); 0: the paper's CGAN
            "d_norm": "batch",  # conv arch: or "spectral" (Miyato et al. 2018), "layer", "none"
            "batch_size": 64,
            "steps": 3000,
            "sample_every": 250,
            "checkpoint_every": 1000,
        },
    ))
