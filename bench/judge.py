"""Judge checkpoints of a `shapes` run as docs/dcgan-shapes.md does (run by hand; prints a table)

    python bench/judge.py RUN_OR_CHECKPOINT ... [--samples 2000] [--seed 5] [--size 32] [--threads N]

Each argument is what ``ganzoo sample`` takes (a run folder, for its last checkpoint; a
checkpoint file, such as ``RUN/checkpoints/best.pt``; pretrained weights by name) or ``real``
(the test split at ``--size``, or, with ``--real-size``, drawn at that size and resized like
the samples). It draws ``--samples``
samples with ``--seed`` (``ganzoo.sample``: the EMA sampler where the run kept one) and
prints the shapes classifier's FD ÷ real-vs-real, recognised share and classes
(``ganzoo.testing.judge_images``) beside the share the shapes reader names and the shapes
it names in at least 3 % (``ganzoo.testing.read_shapes``).

``--size 32`` judges samples drawn at another size (a run trained with ``--image-size 64``)
at 32 px, resized with antialiasing, so that runs at both sizes meet the same judges. The
resize itself costs distance: ``real --real-size 64`` gives the floor for such runs.
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="what `ganzoo sample` takes (run folders, checkpoint files), or `real`")
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=5, help="the sampling seed")
    parser.add_argument("--size", type=int, default=None, help="judge at this size (resizing samples drawn at another)")
    parser.add_argument("--real-size", type=int, default=None, help="for `real`: draw the test split at this size first")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    import torch

    import ganzoo
    from ganzoo.data import load
    from ganzoo.metrics.features import resize
    from ganzoo.testing import judge_images, read_shapes

    if args.threads:
        torch.set_num_threads(args.threads)
    print("| run | size drawn | FD ÷ real | recognised | classes | named | shapes named ≥ 3 % |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for arg in args.runs:
        if arg == "real":
            test = load("shapes", image_size=args.real_size or args.size or 32).test
            images = test.batch(torch.arange(min(args.samples, len(test))))[0]
        else:
            images = ganzoo.sample(arg, args.samples, seed=args.seed)
        drawn_at = images.shape[-1]
        if args.size and drawn_at != args.size:
            images = resize(images, args.size).clamp(-1, 1)
        judged, named = judge_images(images, "shapes"), read_shapes(images)
        print(f"| {arg} | {drawn_at} px | {judged['fd_ratio']:.1f}× | {judged['recognised']:.1%} | {judged['classes']} | "
              f"{named['named']:.1%} | {named['classes']} |", flush=True)


if __name__ == "__main__":
    main()
