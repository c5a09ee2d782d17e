"""Entry point: registers CGAN declaratively (no torch imported here)."""

from ganzoo.hookspecs import hookimpl
from ganzoo.registry import ModelSpec, WeightsSpec, Paper

PAPER = Paper("Conditional Generative Adversarial Nets", 2014, "https://arxiv.org/abs/1411.1784",
              "Mirza & Osindero")


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="cgan",
        summary="Conditional GAN: G and D both see the class label; `ganzoo sample --labels 3,3,7`.",
        task="conditional",
        builder="ganzoo_cgan.model:build",
        paper=PAPER,
        data_kinds=("labelled-images",),
        defaults={
            "arch": "conv",  # DCGAN nets with label maps; "mlp" is the paper's MNIST setting
            "conditioning": "embedding",  # or "one-hot"
            "embed_dim": 32,  # size of the learned label embedding
            "latent_dim": 64,
            "hidden": 512,
            "width": 32,  # conv arch: feature maps
            "loss": "non-saturating",
            "lr": 2e-4,
            "beta1": 0.5,
            "batch_size": 64,
            "steps": 3000,
            "sample_every": 250,
            "checkpoint_every": 1000,
        },
    ))


# -- pretrained weights (written by ganzoo export) --


@hookimpl
def ganzoo_register_weights(register):
    """Weights trained by the ganzoo project with the command in each entry; the files ship
    inside this distribution (package://), so they work offline once it is installed."""
    register(WeightsSpec(
        model='cgan', tag='digits', default=True,
        urls=("package://ganzoo_cgan/weights/cgan-digits.safetensors",),
        sha256='baef133ca00b900b26cc8213754e4ff1a7e7330eadbbd1f2d6882dff49bff305',
        size=727592, format="safetensors", license="MIT", dataset='digits',
        command='ganzoo train cgan --data digits',
        metrics={"fid": 204.0157, "kid": 727.2597, "kid_std": 11.9506, "precision": 0.001, "recall": 0.0, "label_accuracy": 0.9554},
    ))
# -- end of pretrained weights --
