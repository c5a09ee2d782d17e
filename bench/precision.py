"""fp32 against bf16 autocast for every official model, on this machine (run by hand;
prints figures). The same measurement ``--precision auto`` makes and caches per
machine (``ganzoo.training.precision``), here with more steps and for every model:

    python bench/precision.py [--steps 6] [--rounds 3] [--models dcgan,cgan]

Each model trains on its default dataset with its default settings (batch size, image
size, channels_last where it is convolutional), a fresh copy per precision, steps
interleaved between the two; the first step of each is warm-up.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

DEFAULT_DATA = {"vanilla": "ring", "wgan": "ring", "wgan-gp": "ring", "cgan": "digits", "dcgan": "shapes",
                "cyclegan": "sketches2photos"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default=",".join(DEFAULT_DATA))
    args = parser.parse_args()

    import ganzoo.data as gdata
    from ganzoo.nn.base import DataInfo
    from ganzoo.nn.build import build_model
    from ganzoo.plugins import get_host
    from ganzoo.training import precision as prec
    from ganzoo.training.config import layered
    from ganzoo.training.device import native_bf16, pick_threads, use_channels_last

    device = torch.device("cpu")
    registry = get_host().registry
    print(f"{prec.machine(device)}, {os.cpu_count()} cores, native bf16: {native_bf16(device)}, "
          f"torch {torch.__version__}; {args.steps} timed steps x {args.rounds} rounds per precision")
    print(f"{'model':9s} {'data':16s} {'batch':>5s} {'fp32 s/step':>12s} {'bf16 s/step':>12s} {'bf16 speed-up':>14s}  auto picks")
    for name in args.models.split(","):
        spec = registry.get_model(name)
        config = layered(spec, saved=None, file_layer={}, overrides={})
        data = gdata.load(DEFAULT_DATA[name], image_size=config["image_size"], channels=config["channels"])
        info = DataInfo.from_data(data)
        torch.manual_seed(0)
        model = build_model(spec, config, info)
        torch.set_num_threads(pick_threads(config["threads"], model.convolutional))
        channels_last = use_channels_last(config["channels_last"], device, model.convolutional)
        factory = prec.step_factory(spec, config, info, device, channels_last)
        runners = {p: factory(p) for p in ("fp32", "bf16")}
        for run in runners.values():
            run()
        seconds = {p: 0.0 for p in runners}
        for _ in range(args.rounds):
            for p, run in runners.items():
                start = time.perf_counter()
                for _ in range(args.steps):
                    run()
                seconds[p] += time.perf_counter() - start
        per = {p: s / (args.rounds * args.steps) for p, s in seconds.items()}
        speedup = per["fp32"] / per["bf16"]
        picks = "bf16" if model.convolutional and native_bf16(device) and speedup >= prec.MARGIN else "fp32"
        print(f"{name:9s} {DEFAULT_DATA[name]:16s} {config['batch_size']:5d} {per['fp32']:12.4f} {per['bf16']:12.4f} "
              f"{speedup:14.2f}  {picks}", flush=True)


if __name__ == "__main__":
    main()
