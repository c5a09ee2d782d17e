"""fp32 against bf16 autocast, each with and without channels_last, for every official
model on this machine (run by hand; prints figures). The same measurement
``--precision auto`` / ``channels_last auto`` make and cache per machine
(``ganzoo.training.precision``), here with more steps and for every model:

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
                "cyclegan": "sketches2photos", "stylegan-lite": "shapes"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default=",".join(DEFAULT_DATA))
    args = parser.parse_args()

    import ganzoo.data as gdata
    from ganzoo.host import get_host
    from ganzoo.nn.base import DataInfo
    from ganzoo.nn.build import build_model
    from ganzoo.training import precision as prec
    from ganzoo.training.config import layered
    from ganzoo.training.device import native_bf16, pick_threads

    device = torch.device("cpu")
    registry = get_host().registry
    print(f"{prec.machine(device)}, {os.cpu_count()} cores, native bf16: {native_bf16(device)}, "
          f"torch {torch.__version__}; {args.steps} timed steps x {args.rounds} rounds per precision")
    print("speed-up over fp32 (contiguous) of: fp32, fp32 channels_last, bf16, bf16 channels_last")
    print(f"{'model':9s} {'data':16s} {'batch':>5s} {'fp32 s/step':>10s}  {'fp32':>7s} {'fp32 cl':>7s} {'bf16':>7s} {'bf16 cl':>7s}")
    for name in args.models.split(","):
        spec = registry.get_model(name)
        config = layered(spec, saved=None, file_layer={}, overrides={})
        data = gdata.load(DEFAULT_DATA[name], image_size=config["image_size"], channels=config["channels"])
        info = DataInfo.from_data(data)
        torch.manual_seed(0)
        model = build_model(spec, config, info)
        torch.set_num_threads(pick_threads(config["threads"], model.convolutional))
        factory = prec.step_factory(spec, config, info, device)
        candidates = [(p, c) for p in ("fp32", "bf16") for c in (False, True)]
        runners = {c: factory(*c) for c in candidates}
        for run in runners.values():
            run()
        seconds = {c: 0.0 for c in runners}
        for _ in range(args.rounds):
            for c, run in runners.items():
                start = time.perf_counter()
                for _ in range(args.steps):
                    run()
                seconds[c] += time.perf_counter() - start
        per = {c: s / (args.rounds * args.steps) for c, s in seconds.items()}
        base = per[("fp32", False)]
        cells = "  ".join(f"{base / per[c]:6.2f}x" for c in candidates)
        print(f"{name:9s} {DEFAULT_DATA[name]:16s} {config['batch_size']:5d} {base:10.4f}  {cells}", flush=True)


if __name__ == "__main__":
    main()
