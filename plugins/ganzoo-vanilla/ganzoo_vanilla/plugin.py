"""Entry point: registers the model declaratively (no torch imported here).

Its pretrained weights are declared in weights/weights.toml, beside the files."""

from ganzoo.plugin import ModelSpec, Paper, hookimpl

#: the plugin-API versions this plugin is written for (ganzoo.plugin.PLUGIN_API); 1.3 for the
#: GanModel class as builder and the default Adam optimisers; 1.4 for r1_penalty
GANZOO_PLUGIN_API = ">=1.4,<2"

PAPER = Paper("Generative Adversarial Nets", 2014, "https://arxiv.org/abs/1406.2661", "Goodfellow et al.")


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="vanilla",
        summary="The original GAN: MLP generator and discriminator, k D steps per G step.",
        task="points-2d",
        builder="ganzoo_vanilla.model:VanillaGAN",
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
