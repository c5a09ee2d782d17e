"""Entry point: registers the model declaratively (no torch imported here)."""

from ganzoo.hookspecs import hookimpl
from ganzoo.registry import ModelSpec, WeightsSpec, Paper

PAPER = Paper("Generative Adversarial Nets", 2014, "https://arxiv.org/abs/1406.2661", "Goodfellow et al.")


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="vanilla",
        summary="The original GAN: MLP generator and discriminator, k D steps per G step.",
        task="points-2d",
        builder="ganzoo_vanilla.model:build",
        paper=PAPER,
        data_kinds=("points-2d", "images"),
        defaults={
            "loss": "non-saturating",  # the paper's practical choice; "minimax" is Algorithm 1 verbatim
            "latent_dim": 16,
            "hidden": 128,
            "layers": 3,
            "d_steps": 1,  # k in Algorithm 1; the paper used k = 1
            "pack": 1,  # PacGAN: D judges this many samples jointly
            "r1": 1.0,  # R1 penalty on real data (Mescheder et al. 2018); 0 = the paper's GAN
            "lr": 1e-3,
            "lr_schedule": "linear-decay",  # constant for half the run, then to zero: sharpens the modes
            "beta1": 0.5,
            "batch_size": 256,
            "ema": True,  # sample from an average of G's recent weights: tighter modes
            "steps": 20_000,  # ring: 8/8 modes, 98 % high quality in ~2 min on one CPU thread
            "sample_every": 500,
            "checkpoint_every": 1000,
        },
    ))


# -- pretrained weights (written by ganzoo export) --


@hookimpl
def ganzoo_register_weights(register):
    """Weights trained by the ganzoo project with the command in each entry; the files ship
    inside this distribution (package://), so they work offline once it is installed."""
    register(WeightsSpec(
        model='vanilla', tag='grid', default=False,
        urls=("package://ganzoo_vanilla/weights/vanilla-grid.safetensors",),
        sha256='199bde3121b7d245696e0f97a4a73cc4bb603da89baadf42106439a81d5a2fcf',
        size=144144, format="safetensors", license="MIT", dataset='grid',
        command='ganzoo train vanilla --data grid',
        metrics={"modes_covered": 25, "modes_total": 25, "high_quality": 0.9536},
    ))
    register(WeightsSpec(
        model='vanilla', tag='ring', default=True,
        urls=("package://ganzoo_vanilla/weights/vanilla-ring.safetensors",),
        sha256='ed75e750589e47e14939d43b1ffdd51bbb4133644463df8cc05225204e42f979',
        size=144096, format="safetensors", license="MIT", dataset='ring',
        command='ganzoo train vanilla --data ring',
        metrics={"modes_covered": 8, "modes_total": 8, "high_quality": 0.98},
    ))
# -- end of pretrained weights --
