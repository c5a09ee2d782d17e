"""Entry point: registers WGAN and WGAN-GP declaratively (no torch imported here)."""

from ganzoo.hookspecs import hookimpl
from ganzoo.registry import ModelSpec, WeightsSpec, Paper

WGAN = Paper("Wasserstein GAN", 2017, "https://arxiv.org/abs/1701.07875", "Arjovsky, Chintala & Bottou")
WGAN_GP = Paper("Improved Training of Wasserstein GANs", 2017, "https://arxiv.org/abs/1704.00028",
                "Gulrajani et al.")
SHARED = {"latent_dim": 16, "hidden": 128, "layers": 3, "width": 64, "n_critic": 5, "batch_size": 256,
          "sample_every": 500, "checkpoint_every": 1000}


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="wgan",
        summary="Wasserstein GAN: a critic kept Lipschitz by clipping weights to [-0.01, 0.01], RMSProp, 5 critic steps.",
        task="points-2d",
        builder="ganzoo_wgan.model:build",
        paper=WGAN,
        data_kinds=("points-2d", "images"),
        defaults={**SHARED, "loss": "wasserstein", "clip": 0.01, "optimizer": "rmsprop", "lr": 5e-5,
                  "critic_norm": "batch", "steps": 5000},
    ))
    register(ModelSpec(
        name="wgan-gp",
        summary="WGAN with a gradient penalty (lambda 10) instead of clipping; no batch norm in the critic; Adam.",
        task="points-2d",
        builder="ganzoo_wgan.model:build",
        paper=WGAN_GP,
        data_kinds=("points-2d", "images"),
        # The paper's Adam(1e-4, 0.5, 0.9) needs ~100k iterations on the toy sets; 5e-4 decaying
        # linearly to zero, read through an EMA of G, covers the ring in 10k (see docs/models.md).
        defaults={**SHARED, "loss": "wasserstein-gp", "clip": 0.0, "optimizer": "adam", "lr": 5e-4, "beta1": 0.5,
                  "beta2": 0.9, "critic_norm": "layer", "lr_schedule": "linear-decay", "ema": True,
                  "steps": 10_000},
    ))


# -- pretrained weights (written by ganzoo export) --


@hookimpl
def ganzoo_register_weights(register):
    """Weights trained by the ganzoo project with the command in each entry; the files ship
    inside this distribution (package://), so they work offline once it is installed."""
    register(WeightsSpec(
        model='wgan', tag='ring', default=True,
        urls=("package://ganzoo_wgan/weights/wgan-ring.safetensors",),
        sha256='d1879c9a3a835a27b3838bb84c73c6cf131839e7d32762a7f0cca84f57412043',
        size=144136, format="safetensors", license="MIT", dataset='ring',
        command='ganzoo train wgan --data ring',
        metrics={"modes_covered": 4, "modes_total": 8, "high_quality": 0.0068},
    ))
    register(WeightsSpec(
        model='wgan-gp', tag='ring', default=True,
        urls=("package://ganzoo_wgan/weights/wgan-gp-ring.safetensors",),
        sha256='1c0868b159e8af347eb983471ecec9bb2c33ba642fc5e84ef787e7bd48094e94',
        size=144176, format="safetensors", license="MIT", dataset='ring',
        command='ganzoo train wgan-gp --data ring',
        metrics={"modes_covered": 8, "modes_total": 8, "high_quality": 0.8704},
    ))
# -- end of pretrained weights --
