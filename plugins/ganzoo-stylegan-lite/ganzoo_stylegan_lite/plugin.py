"""Entry point: registers StyleGAN-lite declaratively (no torch imported here).

Its pretrained weights are declared in weights/weights.toml, beside the files."""

from ganzoo.plugin import ModelSpec, Paper, hookimpl

#: the plugin-API versions this plugin is written for (1.1 added StyleGenerator; 1.3 the GanModel
#: class as builder)
GANZOO_PLUGIN_API = ">=1.3,<2"

PAPER = Paper("Analyzing and Improving the Image Quality of StyleGAN", 2020, "https://arxiv.org/abs/1912.04958",
              "Karras, Laine, Aittala, Hellsten, Lehtinen & Aila")


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(
        name="stylegan-lite",
        summary="StyleGAN2, small and pure PyTorch: mapping net, modulated convs, style mixing, truncation in W.",
        task="unconditional",
        builder="ganzoo_stylegan_lite.model:StyleGANLite",
        paper=PAPER,
        data_kinds=("images",),
        defaults={
            "loss": "non-saturating",
            "latent_dim": 128,  # z and w
            "mapping_layers": 8,
            "mapping_lr_mul": 0.01,  # the mapping network learns 100x slower (StyleGAN)
            "width": 32,  # feature maps at the image's resolution, doubling per halving
            "max_width": 128,
            # True: one grouped convolution per modulated layer; False scales activations instead,
            # as StyleGAN2's own training does: 2.5x faster per step on a 2-core CPU (bench/stylegan.py)
            "fused_modconv": False,
            "mixing_prob": 0.9,
            "r1_gamma": 0.01,  # StyleGAN2-ADA's CIFAR-10 value (32 px, batch 32-64)
            "r1_every": 16,
            "pl_weight": 0.0,  # path-length regularisation (StyleGAN2 uses 2.0 at high resolution)
            "pl_every": 4,
            "lr": 2e-3,
            "beta1": 0.0,
            "beta2": 0.99,
            "batch_size": 32,
            "steps": 9000,  # about 40 min alone on a 2-core CPU (docs/stylegan-lite.md)
            "ema": True,
            "ema_decay": 0.998,
            "sample_every": 500,
            "checkpoint_every": 500,
        },
        presets={
            # a GPU: wider nets, larger batches, longer
            "gpu": {"width": 128, "max_width": 512, "batch_size": 64, "steps": 40_000, "ema_decay": 0.999,
                    "sample_every": 2_000, "checkpoint_every": 2_000},
        },
    ))
