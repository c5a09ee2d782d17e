"""Entry point: registers DCGAN declaratively (no torch imported here)."""

from ganzoo.hookspecs import hookimpl
from ganzoo.registry import ModelSpec, WeightsSpec, Paper

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
            "beta1": 0.5,
            "batch_size": 64,
            "steps": 3000,
            "ema": False,  # an EMA of this batch-norm generator samples worse: FID 465 vs 211 at 3,000 steps
            "sample_every": 250,
            "checkpoint_every": 500,
        },
    ))


# -- pretrained weights (written by ganzoo export) --


@hookimpl
def ganzoo_register_weights(register):
    """Weights trained by the ganzoo project with the command in each entry; the files ship
    inside this distribution (package://), so they work offline once it is installed."""
    register(WeightsSpec(
        model='dcgan', tag='shapes', default=True,
        urls=("package://ganzoo_dcgan/weights/dcgan-shapes.safetensors",),
        sha256='ceeee927b13ca75ef429b077698e0de06a74bcc0bdc645cc301101ff9fd94f24',
        size=2142720, format="safetensors", license="MIT", dataset='shapes',
        command='ganzoo train dcgan --data shapes',
        metrics={"fid": 208.4645, "kid": 558.2482, "kid_std": 77.5193, "precision": 0.0268, "recall": 0.0385},
    ))
# -- end of pretrained weights --
