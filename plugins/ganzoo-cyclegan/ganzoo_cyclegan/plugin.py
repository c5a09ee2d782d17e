"""Entry point: registers CycleGAN declaratively (no torch imported here).

Its pretrained weights are declared in weights/weights.toml, beside the files."""

from ganzoo.plugin import ModelSpec, Paper, hookimpl

#: the plugin-API versions this plugin is written for (ganzoo.plugin.PLUGIN_API); 1.3 for the
#: GanModel class as builder and the default Adam optimisers
GANZOO_PLUGIN_API = ">=1.3,<2"

PAPER = Paper("Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks", 2017,
              "https://arxiv.org/abs/1703.10593", "Zhu, Park, Isola & Efros")

#: The paper's configuration: 256 px crops, 9 residual blocks, 64 filters, batch 1,
#: 200 epochs (100 constant + 100 decaying; ~6 s per iteration on a 2-core CPU).
PAPER_PRESET = {"image_size": 256, "n_blocks": 9, "ngf": 64, "ndf": 64, "batch_size": 1, "epochs": 200,
                "sample_every": 1000, "checkpoint_every": 1000}


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="cyclegan",
        summary="CycleGAN: unpaired translation A <-> B with cycle-consistency; ResNet G, 70x70 PatchGAN D.",
        task="image-to-image",
        builder="ganzoo_cyclegan.model:CycleGAN",
        paper=PAPER,
        data_kinds=("unpaired-images",),
        # The default is sized for a laptop CPU and the built-in sketches2photos set:
        # 64 px, 6 blocks, 16 generator filters: 3,000 iterations take ~15 min on 2 cores
        # (docs/models.md). `--preset paper` gives the paper's nets.
        defaults={
            "image_size": 64,
            "ngf": 16,  # generator filters in the first layer
            "n_blocks": 6,  # residual blocks (the paper: 6 at 128 px, 9 at 256 px)
            "ndf": 32,  # discriminator filters in the first layer
            "n_layers": 3,  # PatchGAN depth: 3 gives 70x70 patches
            "loss": "least-squares",
            "gan_weight": 2.0,  # ganzoo's least-squares G loss is 1/2 (s - 1)^2; x2 is the paper's (s - 1)^2
            "lambda_cycle": 10.0,
            "lambda_identity": 0.5,  # a fraction of lambda_cycle, as in the authors' code
            "pool_size": 50,
            "lr": 2e-4,
            "beta1": 0.5,
            "lr_schedule": "linear-decay",  # constant for the first half, then linearly to zero
            "batch_size": 4,
            "steps": 3000,
            "sample_every": 250,
            "checkpoint_every": 250,
            "sample_count": 8,
        },
        presets={"paper": PAPER_PRESET},
    ))
