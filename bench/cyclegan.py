"""CycleGAN: the Trainer against a plain PyTorch loop with the same nets, and the
translation scores of a finished run (run by hand; prints figures).

    python bench/cyclegan.py [--steps 12] [--rounds 2] [--configs cpu,paper]
    python bench/cyclegan.py --score RUN_DIR        # domain-classifier scores of a run

Speed: seconds per iteration for the CPU default (64 px, 6 blocks, 16/32 filters,
batch 4) and the paper's configuration (256 px, 9 blocks, 64 filters, batch 1),
each mode in its own process (so peak RSS is its own), modes alternating over
rounds, medians reported. The plain loop is written as in the authors' code: fp32,
discriminators frozen during the generators' step, image pools of 50. The first
``WARMUP`` iterations of every mode are not timed.

Goals: Trainer in fp32 >= 1.0 x the plain loop (no overhead); Trainer defaults
(bf16 autocast + channels_last where native) >= 1.5 x.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import torch

WARMUP = 3
MODES = ("plain-fp32", "trainer-fp32", "trainer-default")
CONFIGS = {
    "cpu": {"image_size": 64, "n_blocks": 6, "ngf": 16, "ndf": 32, "batch_size": 4},
    "paper": {"image_size": 256, "n_blocks": 9, "ngf": 64, "ndf": 64, "batch_size": 1},
}


def plain_loop(cfg: dict, steps: int) -> float:
    """Seconds per iteration of a hand-written CycleGAN loop (the authors' recipe)."""
    from ganzoo_cyclegan.model import ImagePool, frozen
    from ganzoo_cyclegan.nets import PatchDiscriminator, ResnetGenerator, init_normal

    import ganzoo.data as gdata
    from ganzoo.losses import build_loss

    data = gdata.load("sketches2photos", image_size=cfg["image_size"]).train
    G_A, G_B = (ResnetGenerator(3, cfg["ngf"], cfg["n_blocks"]) for _ in range(2))
    D_A, D_B = (PatchDiscriminator(3, cfg["ndf"], 3) for _ in range(2))
    for net in (G_A, G_B, D_A, D_B):
        init_normal(net)
    opt_g = torch.optim.Adam([*G_A.parameters(), *G_B.parameters()], 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam([*D_A.parameters(), *D_B.parameters()], 2e-4, betas=(0.5, 0.999))
    mse = build_loss("least-squares")
    pool_a, pool_b = ImagePool(50), ImagePool(50)
    g = torch.Generator().manual_seed(0)
    times = []
    for _ in range(steps):
        start = time.perf_counter()  # the batch fetch counts, as it does in the Trainer's figure
        a, b = data.batch(torch.randint(len(data), (cfg["batch_size"],), generator=g))
        opt_g.zero_grad()
        with frozen(D_A, D_B):
            fake_b, fake_a = G_A(a), G_B(b)
            loss_g = (2 * mse.g_loss(D_A(fake_b)) + 2 * mse.g_loss(D_B(fake_a))
                      + 10 * ((G_B(fake_b) - a).abs().mean() + (G_A(fake_a) - b).abs().mean())
                      + 5 * ((G_A(b) - b).abs().mean() + (G_B(a) - a).abs().mean()))
            loss_g.backward()
        opt_g.step()
        opt_d.zero_grad()
        loss_d = mse.d_loss(D_A(b), D_A(pool_b.query(fake_b))) + mse.d_loss(D_B(a), D_B(pool_a.query(fake_a)))
        loss_d.backward()
        opt_d.step()
        times.append(time.perf_counter() - start)
    return statistics.mean(times[WARMUP:])


def trainer_loop(cfg: dict, steps: int, default: bool) -> float:
    import ganzoo
    from ganzoo.training.trainer import Trainer

    overrides = dict(cfg, steps=steps, log_every=WARMUP, sample_every=10**9, checkpoint_every=10**9)
    if not default:
        overrides.update(precision="fp32", channels_last=False, threads=torch.get_num_threads())
    with tempfile.TemporaryDirectory() as out:
        run = Trainer(ganzoo.plan("cyclegan", "sketches2photos", out=out, **overrides), quiet=True).fit()
        rows = [json.loads(r) for r in (run.dir / "metrics.jsonl").read_text().splitlines()]
    # images/s per window of WARMUP steps; the first window holds the warm-up
    return statistics.mean(cfg["batch_size"] / r["images_per_s"] for r in rows[1:])


def child(mode: str, config: str, steps: int) -> dict:
    torch.manual_seed(0)
    cfg = CONFIGS[config]
    seconds = plain_loop(cfg, steps) if mode == "plain-fp32" else trainer_loop(cfg, steps, mode == "trainer-default")
    return {"seconds_per_it": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def speed(args: argparse.Namespace) -> None:
    print(f"torch {torch.__version__}, {os.cpu_count()} cores; {args.steps - WARMUP} timed iterations x "
          f"{args.rounds} rounds, medians")
    for config in args.configs.split(","):
        results: dict[str, list[dict]] = {m: [] for m in MODES}
        for _ in range(args.rounds):
            for mode in MODES:
                proc = subprocess.run([sys.executable, __file__, "--child", mode, "--config", config,
                                       "--steps", str(args.steps)], capture_output=True, text=True, check=True)
                results[mode].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        base = statistics.median(r["seconds_per_it"] for r in results["plain-fp32"])
        print(f"\n{config}: {CONFIGS[config]}")
        print(f"{'mode':16s} {'s/iteration':>12s} {'x plain fp32':>13s} {'peak RSS MB':>12s}")
        for mode in MODES:
            sec = statistics.median(r["seconds_per_it"] for r in results[mode])
            rss = max(r["peak_rss_mb"] for r in results[mode])
            print(f"{mode:16s} {sec:12.3f} {base / sec:13.3f} {rss:12.0f}")


def score(run_dir: str) -> None:
    import ganzoo.data as gdata
    from ganzoo.artifacts.loading import load_model, translate
    from ganzoo.metrics.translation import translation_scores

    loaded = load_model(run_dir)
    info = loaded.data_info
    data = gdata.load(info.name, image_size=info.image_size, channels=info.channels)
    result = translation_scores(lambda x, d: translate(loaded, x, d), data)
    print(json.dumps({"run": run_dir, "step": loaded.meta["step"], **result.as_dict()}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15, help="a multiple of 3 (the warm-up window)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--configs", default="cpu,paper")
    parser.add_argument("--score", metavar="RUN_DIR")
    parser.add_argument("--child", choices=MODES)
    parser.add_argument("--config", choices=sorted(CONFIGS))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.child:
        print(json.dumps(child(args.child, args.config, args.steps)))
    elif args.score:
        score(args.score)
    else:
        speed(args)


if __name__ == "__main__":
    main()
