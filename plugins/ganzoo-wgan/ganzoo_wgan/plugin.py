"""Entry point: registers WGAN and WGAN-GP declaratively (no torch imported here).

Its pretrained weights are declared in weights/weights.toml, beside the files."""

from ganzoo.plugin import ModelSpec, Paper, hookimpl

#: the plugin-API versions this plugin is written for (ganzoo.plugin.PLUGIN_API); 1.3 for the
#: GanModel class as builder and the default Adam optimisers
GANZOO_PLUGIN_API = ">=1.3,<2"

WGAN = Paper("Wasserstein GAN", 2017, "https://arxiv.org/abs/1701.07875", "Arjovsky, Chintala & Bottou")
WGAN_GP = Paper("Improved Training of Wasserstein GANs", 2017, "https://arxiv.org/abs/1704.00028",
                "Gulrajani et al.")
SHARED = {"latent_dim": 16, "hidden": 128, "layers": 3, "width": 64, "n_critic": 5, "batch_size": 256,
          # lambda of wasserstein-gp; None: 10 on images (the paper), 0.1 on 2-D points (see model.py)
          "gp_weight": None,
          "sample_every": 500, "checkpoint_every": 1000}


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="wgan",
        summary="Wasserstein GAN: a critic kept Lipschitz by clipping weights to [-0.01, 0.01], RMSProp, 5 critic steps.",
        task="points-2d",
        builder="ganzoo_wgan.model:WassersteinGAN",
        paper=WGAN,
        data_kinds=("points-2d", "images"),
        # The paper's RMSProp lr 5e-5 for 5k steps left 4-5 of the ring's 8 modes; 4x that rate,
        # decaying linearly to zero over the second half of 10k steps, read through an EMA of G,
        # covers 7-8 on every seed measured (docs/models.md)
        defaults={**SHARED, "loss": "wasserstein", "clip": 0.01, "optimizer": "rmsprop", "lr": 2e-4,
                  "critic_norm": "batch", "lr_schedule": "linear-decay", "ema": True, "steps": 10_000},
    ))
    register(ModelSpec(
        name="wgan-gp",
        summary="WGAN with a gradient penalty (lambda 10 on images, 0.1 on points) instead of clipping; no batch norm in the critic; Adam.",
        task="points-2d",
        builder="ganzoo_wgan.model:WassersteinGAN",
        paper=WGAN_GP,
        data_kinds=("points-2d", "images"),
        # The paper's Adam(1e-4, 0.5, 0.9) needs ~100k iterations on the toy sets; 5e-4 decaying
        # linearly to zero, read through an EMA of G, with the authors' toy lambda of 0.1 on points
        # (gp_weight), covers the ring in 10k on every seed measured (see docs/models.md).
        defaults={**SHARED, "loss": "wasserstein-gp", "clip": 0.0, "optimizer": "adam", "lr": 5e-4, "beta1": 0.5,
                  "beta2": 0.9, "critic_norm": "layer", "lr_schedule": "linear-decay", "ema": True,
                  "steps": 10_000},
    ))
