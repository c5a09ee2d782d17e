"""How precisely can DCGAN's generator draw ``shapes`` when told what to draw? (run by hand; prints a curve)

    python bench/decoder_ceiling.py [--told images|parameters] [--widths 32,64] [--upsample transposed,resize]
                                    [--steps 24000] [--every 1500] [--precision fp32|bf16] [--seed 0] [--threads N]

DCGAN's generator (``ConvGenerator``, the nets ``dcgan`` builds, at each ``--widths`` and
each ``--upsample``) is trained, with no adversary, to draw given images again (L1 loss,
Adam 1e-3, batches of 64). It is told what to draw in one of two ways:

- ``--told images``: it is the decoder of an autoencoder. An encoder with D's layers reads
  each training image into a latent of the same size as DCGAN's (100 + the 10-value code).
- ``--told parameters``: it reads the 18 numbers that drew the image (class, scale, centre,
  angle, colours, whether the background is noisy: ``ganzoo.data.shapes.render_told``), so
  nothing but the generator itself stands between it and the drawing.

Every ``--every`` steps it redraws the 2,000 test images and prints the share the shapes
reader names (``ganzoo.testing.read_shapes``) beside the shapes judge's FD ÷ real-vs-real,
recognised share and classes. The background's noise is not among the parameters, so
redraws are judged far from the data even when their outlines are right: read the named
share and the classes.

A GAN's generator is told what to draw only through D's gradient, a weaker and noisier
signal than this, so this curve is the reference for what the same generator can reach in
the same number of steps. A check that the script works: ``--widths 8 --steps 20 --every 10``.
"""

from __future__ import annotations

import argparse
import time

LATENT = 110  # DCGAN's z (100) and its one-hot code (10), the generator's input


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--told", choices=("images", "parameters"), default="images",
                        help="what the generator reads: an encoder's latent of the image, or the parameters that drew it")
    parser.add_argument("--upsample", default="transposed",
                        help="ConvGenerator's upsampling, comma-separated (dcgan's g_upsample): transposed, resize")
    parser.add_argument("--widths", default="32,64", help="the nets' widths, comma-separated (dcgan's `width`)")
    parser.add_argument("--steps", type=int, default=24_000)
    parser.add_argument("--every", type=int, default=1_500, help="score every N steps")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    import torch

    from ganzoo.data.shapes import TEST_SEED_OFFSET, render_told
    from ganzoo.plugin import ConvDiscriminator, ConvGenerator, init_dcgan
    from ganzoo.testing import judge_images, read_shapes, real_images

    if args.threads:
        torch.set_num_threads(args.threads)
    train, test = real_images("shapes", 20_000), real_images("shapes", 2_000, "test")  # every image of each split
    told = {"images": (train, test)}
    if args.told == "parameters":  # the same images (the dataset's seed 0), with what drew them
        told["parameters"] = (render_told(len(train), train.shape[-1], torch.Generator().manual_seed(0))[1],
                              render_told(len(test), test.shape[-1], torch.Generator().manual_seed(TEST_SEED_OFFSET))[1])
    inputs, test_inputs = told[args.told]
    channels, size = train.shape[1], train.shape[-1]
    print(f"DCGAN's generator told the {args.told} of {len(train)} shapes images, {args.steps} steps, "
          f"{args.precision}; scored on {len(test)} test images redrawn")
    print("| upsample | width | step | minutes | test L1 | named by read_shapes | shapes named ≥ 3 % | FD ÷ real |"
          " recognised | classes |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for upsample in args.upsample.split(","):
        for width in (int(w) for w in args.widths.split(",")):
            torch.manual_seed(args.seed)
            latent = LATENT if args.told == "images" else inputs.shape[1]
            nets = torch.nn.ModuleDict({"G": ConvGenerator(latent, channels, size, width, upsample)})
            if args.told == "images":  # the encoder is D with its one-logit head swapped for the generator's input
                encoder = ConvDiscriminator(channels, size, width, norm="batch")
                encoder.net[-2] = torch.nn.Conv2d(encoder.net[-2].in_channels, LATENT, 4, 1, 0)
                encoder.net[-1] = torch.nn.Flatten()
                nets["E"] = encoder
            init_dcgan(nets)
            opt = torch.optim.Adam(nets.parameters(), 1e-3, betas=(0.9, 0.99))
            g = torch.Generator().manual_seed(args.seed)
            trained, tick = 0.0, time.perf_counter()  # training time only: scoring is left out
            for step in range(1, args.steps + 1):
                pick = torch.randint(len(train), (64,), generator=g)
                with torch.autocast("cpu", torch.bfloat16, enabled=args.precision == "bf16"):
                    drawn = draw(nets, inputs[pick])
                loss = (drawn.float() - train[pick]).abs().mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if step % args.every == 0 or step == args.steps:
                    trained += time.perf_counter() - tick
                    redrawn = redraw(nets, test_inputs)
                    named, judged = read_shapes(redrawn), judge_images(redrawn, "shapes")
                    print(f"| {upsample} | {width} | {step} | {trained / 60:.1f} | {(redrawn - test).abs().mean():.4f} | "
                          f"{named['named']:.1%} | {named['classes']} | {judged['fd_ratio']:.1f}× | "
                          f"{judged['recognised']:.1%} | {judged['classes']} |", flush=True)
                    tick = time.perf_counter()


def draw(nets, told):
    """The generator's drawing of what it is told: an image through the encoder, or parameters directly."""
    return nets["G"](nets["E"](told) if "E" in nets else told)


def redraw(nets, told):
    """The test images drawn again from what the generator is told (eval mode), in [-1, 1]."""
    import torch

    nets.eval()
    with torch.no_grad():
        out = torch.cat([draw(nets, told[i : i + 500]) for i in range(0, len(told), 500)])
    nets.train()
    return out.clamp(-1, 1)


if __name__ == "__main__":
    main()
