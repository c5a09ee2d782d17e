"""How precisely can DCGAN's generator draw ``shapes`` when told what to draw? (run by hand; prints a curve)

    python bench/decoder_ceiling.py [--widths 32,64] [--steps 24000] [--every 1500] [--precision fp32|bf16]
                                    [--seed 0] [--threads N]

DCGAN's generator (``ConvGenerator``, the nets ``dcgan`` builds, at each ``--widths``) is
trained as the decoder of an autoencoder: an encoder with D's layers reads each training
image into a latent of the same size as DCGAN's (100 + the 10-value code), and the
generator must draw the image again from it (L1 loss, Adam 1e-3, batches of 64). There is
no adversary, so the only question is whether these layers, at this width and after this
many steps, can draw the outlines at all. Every ``--every`` steps it redraws the 2,000 test
images and prints the share the shapes reader names (``ganzoo.testing.read_shapes``),
beside the shapes judge's FD ÷ real-vs-real, recognised share and classes.

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
    parser.add_argument("--widths", default="32,64", help="the nets' widths, comma-separated (dcgan's `width`)")
    parser.add_argument("--steps", type=int, default=24_000)
    parser.add_argument("--every", type=int, default=1_500, help="score every N steps")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    import torch

    from ganzoo.plugin import ConvDiscriminator, ConvGenerator, init_dcgan
    from ganzoo.testing import judge_images, read_shapes, real_images

    if args.threads:
        torch.set_num_threads(args.threads)
    train, test = real_images("shapes", 20_000), real_images("shapes", 2_000, "test")  # every image of each split
    channels, size = train.shape[1], train.shape[-1]
    print(f"DCGAN's generator as a decoder of {len(train)} shapes images, {args.steps} steps, {args.precision}; "
          f"scored on {len(test)} test images redrawn")
    print("| width | step | minutes | test L1 | named by read_shapes | shapes named ≥ 3 % | FD ÷ real | recognised |"
          " classes |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for width in (int(w) for w in args.widths.split(",")):
        torch.manual_seed(args.seed)
        generator = ConvGenerator(LATENT, channels, size, width)
        encoder = ConvDiscriminator(channels, size, width, norm="batch")
        # the encoder is D with its one-logit head swapped for a latent of the generator's input size
        encoder.net[-2] = torch.nn.Conv2d(encoder.net[-2].in_channels, LATENT, 4, 1, 0)
        encoder.net[-1] = torch.nn.Flatten()
        init_dcgan(generator)
        init_dcgan(encoder)
        nets = torch.nn.ModuleDict({"G": generator, "E": encoder})
        opt = torch.optim.Adam(nets.parameters(), 1e-3, betas=(0.9, 0.99))
        g = torch.Generator().manual_seed(args.seed)
        trained, tick = 0.0, time.perf_counter()  # training time only: scoring is left out
        for step in range(1, args.steps + 1):
            real = train[torch.randint(len(train), (64,), generator=g)]
            with torch.autocast("cpu", torch.bfloat16, enabled=args.precision == "bf16"):
                drawn = generator(encoder(real))
            loss = (drawn.float() - real).abs().mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % args.every == 0 or step == args.steps:
                trained += time.perf_counter() - tick
                redrawn = redraw(nets, test)
                named, judged = read_shapes(redrawn), judge_images(redrawn, "shapes")
                print(f"| {width} | {step} | {trained / 60:.1f} | {(redrawn - test).abs().mean():.4f} | "
                      f"{named['named']:.1%} | {named['classes']} | {judged['fd_ratio']:.1f}× | "
                      f"{judged['recognised']:.1%} | {judged['classes']} |", flush=True)
                tick = time.perf_counter()


def redraw(nets, images):
    """The test images drawn again through the encoder and the generator (eval mode), in [-1, 1]."""
    import torch

    nets.eval()
    with torch.no_grad():
        out = torch.cat([nets["G"](nets["E"](images[i : i + 500])) for i in range(0, len(images), 500)])
    nets.train()
    return out.clamp(-1, 1)


if __name__ == "__main__":
    main()
