"""Entry point: registers DCGAN declaratively (no torch imported here).

Its pretrained weights are declared in weights/weights.toml, beside the files."""

from ganzoo.plugin import ModelSpec, Paper, hookimpl

#: the plugin-API versions this plugin is written for (ganzoo.plugin.PLUGIN_API)
GANZOO_PLUGIN_API = ">=1.0,<2"

PAPER = Paper("Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks",
              2015, "https://arxiv.org/abs/1511.06434", "Radford, Metz & Chintala")


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="dcgan",
        summary="All-convolutional GAN: strided convs, batch norm, ReLU/LeakyReLU, tanh; 32 or 64 px.",
        task="unconditional",
        builder="ganzoo_dcgan.model:build",
        paper=PAPER,
        data_kinds=("images",),
        defaults={
            "loss": "non-saturating",
            "latent_dim": 100,
            "width": 64,  # feature maps of G's last and D's first layer (ngf = ndf)
            "lr": 2e-4,
            "lr_d": 0.0,  # D's own learning rate (two time-scale update rule); 0: the same as lr
            "beta1": 0.5,
            "beta2": 0.999,
            "d_norm": "batch",  # or "spectral" (Miyato et al. 2018), "layer", "none"
            "batch_size": 64,
            "steps": 3000,
            "ema": False,  # an EMA of this batch-norm generator samples worse: FID 465 vs 211 at 3,000 steps
            "sample_every": 250,
            "checkpoint_every": 500,
        },
    ))
