"""Entry point: registers DCGAN declaratively (no torch imported here).

Its pretrained weights are declared in weights/weights.toml, beside the files."""

from ganzoo.plugin import ModelSpec, Paper, hookimpl

#: the plugin-API versions this plugin is written for (ganzoo.plugin.PLUGIN_API); 1.3 for the
#: GanModel class as builder and the default Adam optimisers; 1.4 for r1_penalty; 1.5 for the
#: Generator's categorical code (code_of, with_code)
GANZOO_PLUGIN_API = ">=1.5,<2"

PAPER = Paper("Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks",
              2015, "https://arxiv.org/abs/1511.06434", "Radford, Metz & Chintala")


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="dcgan",
        summary="All-convolutional GAN: strided convs, batch norm, ReLU/LeakyReLU, tanh; 32 or 64 px.",
        task="unconditional",
        builder="ganzoo_dcgan.model:DCGAN",
        paper=PAPER,
        data_kinds=("images",),
        defaults={
            "loss": "non-saturating",
            "latent_dim": 100,
            # ngf = ndf, the feature maps of G's last and D's first layer. The paper's 64 learns more per
            # step, but 32 is 2.7x cheaper per step on a CPU, and 3,000 steps of it at the rate below
            # end closer to the data than 3,000 of the paper's (docs/dcgan-shapes.md has the measurements)
            "width": 32,
            # twice the paper's 2e-4: half the distance at 2,000 steps. Held this high, D wins later
            # (seed 0: 167 at 3k steps, 439 at 6k); for longer runs try --set lr_schedule=linear-decay
            # (at 3k steps the decay cost more than it saved: docs/dcgan-shapes.md)
            "lr": 4e-4,
            "lr_d": 0.0,  # D's own learning rate (two time-scale update rule); 0: the same as lr
            "beta1": 0.5,
            "beta2": 0.999,
            # a light R1 penalty on real data (Mescheder et al. 2018; 0: none, as in the paper), taken lazily
            # every 16th D step at 16x the weight (StyleGAN2), which makes it nearly free. It draws real
            # handwritten digits far better at the default length and keeps long runs from collapsing; on
            # shapes at 3,000 steps its live G is further from the data, its EMA is not (docs/dcgan-shapes.md)
            "r1": 0.1,
            "r1_every": 16,
            # how G doubles its resolution: "transposed" convolutions (the paper's) or "resize", nearest-neighbour
            # upsampling and a 3x3 convolution (Odena et al. 2016): closer to the data early in a run, not at the
            # long preset's length (docs/dcgan-shapes.md)
            "g_upsample": "transposed",
            "d_norm": "batch",  # or "spectral" (Miyato et al. 2018), "layer", "none"
            # InfoGAN's categorical code (Chen et al. 2016): K values G draws from and D's Q head learns
            # to read back, weighted by info_weight; 0: none, as in the paper. It lets G jump between kinds
            # of image instead of drawing in-between ones: +11 points of real handwritten digits
            # recognised at 3,000 steps (docs/models.md)
            "codes": 10,
            "info_weight": 1.0,
            "batch_size": 64,
            "steps": 3000,
            # sample from an EMA of G (decay 0.999), its batch-norm statistics measured on its own weights:
            # with the R1 above, closer to the data than the live G at 3k steps (docs/dcgan-shapes.md)
            "ema": True,
            "sample_every": 250,
            "checkpoint_every": 500,
        },
        presets={
            # for runs past 3,000 steps, where a constant rate without augmentation oscillates (D wins, G
            # chases it from mode to mode): DiffAugment and R1 every step keep D from winning, and
            # scoring every 1,500 steps keeps the best checkpoint (checkpoints/best.pt). R1 every step:
            # taken lazily it plateaus higher. Translation only: cutout hides a square half the image's
            # side from D, often the whole shape. docs/models.md (the seeds) and docs/dcgan-shapes.md (the
            # curves and timings) have the measurements
            "long": {"augment": "diffaugment", "augment_policy": "translation", "r1": 0.1, "r1_every": 1,
                     "steps": 24_000, "eval_every": 1_500, "checkpoint_every": 1_500, "sample_every": 1_500},
        },
        # runs saved before a setting existed resume as they were built: before R1 (plugin API 1.4)
        # without it, before it could be lazy with it every step, and before the code without one
        legacy={"r1": 0.0, "r1_every": 1, "codes": 0, "info_weight": 0.0, "g_upsample": "transposed"},
    ))
