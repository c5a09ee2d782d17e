"""StyleGAN-lite's training step against DCGAN's, at the same resolution and batch
(run by hand; prints figures):

    python bench/stylegan.py [--batch 32] [--steps 5] [--rounds 3] [--device cpu]

Rows: DCGAN (its default nets), StyleGAN-lite with modulated convolutions unfused
(activations scaled: the default) and fused (one grouped convolution per layer), each
in fp32 and in bf16 autocast with channels_last. Steps are interleaved between rows
(``--rounds``), so load on the machine falls on each alike; the first step of each is
warm-up. Every row includes its model's whole step: for StyleGAN-lite, style mixing
and R1 amortised (one R1 step in 16, as in training).
"""

from __future__ import annotations

import argparse
import os
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import ganzoo.data as gdata
    from ganzoo.host import get_host
    from ganzoo.nn.base import DataInfo
    from ganzoo.training import precision as prec
    from ganzoo.training.config import layered
    from ganzoo.training.device import native_bf16, pick_threads

    device = torch.device(args.device)
    registry = get_host().registry
    data = gdata.load("shapes")
    info = DataInfo.from_data(data)
    # DCGAN at width 64, the width docs/stylegan-lite.md's table was measured at
    rows = {"dcgan": ("dcgan", {"width": 64}), "stylegan-lite (unfused)": ("stylegan-lite", {"fused_modconv": False}),
            "stylegan-lite (fused)": ("stylegan-lite", {"fused_modconv": True})}
    runners = {}
    for label, (name, over) in rows.items():
        spec = registry.get_model(name)
        config = layered(spec, saved=None, file_layer={}, overrides={"batch_size": args.batch, **over})
        torch.set_num_threads(pick_threads(config["threads"], True))
        factory = prec.step_factory(spec, config, info, device)
        for precision, channels_last in (("fp32", False), ("bf16", True)):
            runners[(label, precision)] = factory(precision, channels_last)
    for run in runners.values():
        run()
    seconds = dict.fromkeys(runners, 0.0)
    for _ in range(args.rounds):
        for key, run in runners.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                run()
            if device.type == "cuda":
                torch.cuda.synchronize()
            seconds[key] += time.perf_counter() - start
    per = {k: s / (args.rounds * args.steps) for k, s in seconds.items()}
    base = per[("dcgan", "fp32")]
    print(f"{prec.machine(device)}, {os.cpu_count()} cores, native bf16: {native_bf16(device)}, torch {torch.__version__}; "
          f"shapes 32 px, batch {args.batch}, {args.steps} steps x {args.rounds} rounds")
    print(f"{'model':26s} {'precision':16s} {'s/step':>8s} {'img/s':>8s} {'x dcgan fp32':>13s}")
    for (label, precision), s in per.items():
        shown = "fp32" if precision == "fp32" else "bf16 + cl"
        print(f"{label:26s} {shown:16s} {s:8.3f} {args.batch / s:8.0f} {base / s:12.2f}x")


if __name__ == "__main__":
    main()
