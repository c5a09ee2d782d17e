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
            "arch": "conv",  # DCGAN nets; "mlp" is the paper's MNIST setting (--preset paper)
            "conditioning": "embedding",  # or "one-hot"
            "embed_dim": 32,  # size of the learned label embedding
            # how D meets y: "projection" (Miyato & Koyama 2018, conv arch), a class vector against D's
            # last features; "input", label maps beside the image as in the paper. With DiffAugment
            # below, projection drew digits 2.2-2.6x real-vs-real and 97-99 % as asked on 3 seeds
            # at 3,000 steps, where input conditioning peaked at 5-7x near 1,000 steps and then
            # fell to 7-9x, 86-95 % (docs/models.md)
            "d_conditioning": "projection",
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
            # digits is 1,797 images: without augmentation D memorises them within 1,000 steps
            "augment": "diffaugment",
            "augment_policy": "translation,cutout",
        },
        # runs saved before d_conditioning existed met y at D's input: they resume that way
        legacy={"d_conditioning": "input"},
        presets={
            # Mirza & Osindero's MNIST setting: MLPs, the label beside the input, no augmentation
            "paper": {"arch": "mlp", "d_conditioning": "input", "augment": "none"},
        },
    ))
