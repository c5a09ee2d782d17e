"""The Trainer: one loop for every model family.

A family's ``train_step`` says how its nets update on a batch; the Trainer owns the
rest: device, precision, threads, seeding, the data stream, EMA, learning-rate
schedules, fixed-noise sample grids, atomic checkpoints with the full state, exact
resume, NaN guards, Ctrl-C, progress, the trainer hooks and DistributedDataParallel.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import signal
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from ganzoo._version import __version__
from ganzoo.data import check_compatible, load as load_data
from ganzoo.errors import GanzooError
from ganzoo.imaging import save_grid, save_scatter
from ganzoo.nn.base import DataInfo
from ganzoo.nn.model import GanModel, StepContext
from ganzoo.registry import ModelSpec, load_builder
from ganzoo.training import checkpoint as ckpt
from ganzoo.training import distributed as ddp
from ganzoo.training.config import ConfigError, pick_preset, read_config_file, resolve
from ganzoo.training.device import (autocast_factory, pick_device, pick_precision, pick_threads,
                                    use_channels_last)
from ganzoo.training.ema import EMA, unwrap
from ganzoo.training.progress import Progress
from ganzoo.training.run import Run
from ganzoo.training.stream import BatchStream


class TrainingDivergedError(GanzooError):
    """A loss became NaN or infinite."""


def _plugin_version(spec: ModelSpec) -> str:
    try:
        return metadata.version(spec.plugin)
    except metadata.PackageNotFoundError:
        return "?"


def build_model(spec: ModelSpec, config: dict[str, Any], data_info: DataInfo) -> GanModel:
    try:
        builder = load_builder(spec.builder)
    except (ImportError, AttributeError) as exc:
        raise GanzooError(f"model {spec.name!r}: cannot import its builder {spec.builder!r} ({exc}); "
                          f"reinstall its plugin {spec.plugin!r}.") from exc
    model = builder(config, data_info)
    if not isinstance(model, GanModel):
        raise GanzooError(f"builder {spec.builder!r} returned {type(model).__name__}, not a GanModel.")
    return model


def _new_run_dir(out: Path, model: str, data_label: str) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = out / f"{model}-{data_label}-{stamp}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def _data_label(source: str) -> str:
    return Path(source).name if ("/" in source or source.startswith((".", "~"))) else source


def _schedule(config: dict[str, Any], total: int) -> Any:
    kind, start = config["lr_schedule"], float(config["lr_decay_start"])
    if kind == "constant":
        return lambda step: 1.0
    if kind == "linear-decay":  # CycleGAN: constant, then linearly to zero
        begin = int(total * start)
        return lambda step: 1.0 if step < begin else max(0.0, 1 - (step - begin) / max(1, total - begin))
    return lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total) / total))


def _json_default(value: Any) -> Any:
    if isinstance(value, (Path, torch.device)):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(type(value).__name__)


class Trainer:
    """Builds everything a run needs, then ``fit()`` runs the loop."""

    def __init__(self, model: str | None = None, data: str | Path | None = None, *, out: str | Path | None = None,
                 resume: str | Path | None = None, config_file: str | Path | None = None,
                 overrides: dict[str, Any] | None = None, quiet: bool = False, host: Any = None) -> None:
        from ganzoo.plugins import get_host

        self.host = host or get_host()
        self.quiet = quiet
        self.world = ddp.world_from_env()
        overrides = dict(overrides or {})
        file_layer = read_config_file(config_file) if config_file else {}
        resume_state = None
        if resume is not None:
            run_dir, saved = self._read_run(Path(resume))
            model = model or saved["model"]
            data = data or saved["data"]
            layers = [saved["config"], file_layer, overrides]
            resume_state = run_dir
        else:
            if model is None:
                raise ConfigError("name a model to train (ganzoo list shows them), or --resume a run.")
            data = data if data is not None else file_layer.pop("data", None)
            if data is None:
                raise ConfigError("say what to train on: --data NAME_OR_PATH (ganzoo datasets lists names).")
            file_layer.pop("data", None)
            layers = [file_layer, overrides]
        self.spec = self.host.registry.get_model(model)
        if resume_state is None:  # a resumed run's saved config already holds its preset's values
            layers = [pick_preset(self.spec.presets, self.spec.name, *layers), *layers]
        self.config = resolve(self.spec.defaults, *layers)
        self.data_source = str(data)

        cfg = self.config
        self.device = pick_device(cfg["device"], self.world.local_rank)
        ddp.init(self.world, self.device)
        self.data = load_data(data, seed=cfg["seed"], image_size=cfg["image_size"], channels=cfg["channels"],
                              strict=cfg["strict_data"], registry=self.host.registry)
        check_compatible(self.spec, self.data.kind, self.data_source, self.host.registry)
        self.data_info = DataInfo.from_data(self.data)

        torch.manual_seed(cfg["seed"])  # identical initial weights on every rank
        self.model = build_model(self.spec, cfg, self.data_info)
        convolutional = self.model.convolutional
        self.precision = pick_precision(cfg["precision"], self.device, convolutional)
        self.channels_last = use_channels_last(cfg["channels_last"], self.device, convolutional)
        self.threads = pick_threads(cfg["threads"], convolutional, self.world.size)
        if self.device.type == "cpu":
            torch.set_num_threads(self.threads)
        fmt = torch.channels_last if self.channels_last else torch.contiguous_format
        self.model.replace_nets(lambda name, net: net.to(self.device, memory_format=fmt))
        self.optimizers = self.model.build_optimizers()
        self.total_steps = self._total_steps()
        self.schedulers = {name: torch.optim.lr_scheduler.LambdaLR(opt, _schedule(cfg, self.total_steps))
                           for name, opt in self.optimizers.items()}
        self.scaler = torch.amp.GradScaler(self.device.type) if self.precision == "fp16" else None
        ema = EMA({n: self.model.nets()[n] for n in self.model.sampler_names}, cfg["ema_decay"]) if cfg["ema"] else None
        self.stream = BatchStream(self.data, cfg["batch_size"], cfg["seed"], self.device,
                                  channels_last=self.channels_last, rank=self.world.rank,
                                  world_size=self.world.size, num_workers=cfg["num_workers"])
        self.fixed = self._fixed_inputs(cfg["sample_count"], torch.Generator().manual_seed(cfg["seed"] + 12_345))

        run_dir = resume_state or self._agree(_new_run_dir(Path(out or "runs"), self.spec.name,
                                                           _data_label(self.data_source)))
        self.run = Run(run_dir, self.config, self.spec, self.model, self.data_info, self.data_source, self.world,
                       ema=ema)
        # every rank draws its own noise from here on; rank 0 keeps the plain seed
        torch.manual_seed(cfg["seed"] + 1_000 * self.world.rank + 1)
        if resume_state is not None:
            self._restore(self.run.checkpoints_dir / "last.pt")
        if self.world.distributed:
            self.model.replace_nets(lambda name, net: ddp.wrap(net, self.device))
        self._stop_requested = False
        self._evaluator: Any = None

    # -- set-up helpers -------------------------------------------------------------
    @staticmethod
    def _read_run(path: Path) -> tuple[Path, dict[str, Any]]:
        run_dir = path.parent.parent if path.suffix == ".pt" else path
        config_path = run_dir / "config.json"
        if not config_path.exists():
            raise GanzooError(f"{str(path)!r} is not a ganzoo run folder (no config.json). "
                              "Pass the folder that `ganzoo train` printed.")
        if not (run_dir / "checkpoints" / "last.pt").exists():
            raise GanzooError(f"run {str(run_dir)!r} has no checkpoint yet (checkpoints/last.pt); "
                              "it stopped before its first checkpoint, so start it again.")
        return run_dir, json.loads(config_path.read_text())

    def _agree(self, value: Any) -> Any:
        """Rank 0's value on every rank (the run folder must be one folder)."""
        if not self.world.distributed:
            return value
        import torch.distributed as dist

        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def _fixed_inputs(self, n: int, generator: torch.Generator) -> dict[str, Any]:
        """What every sample grid of the run shows: fixed latents, or for image-to-image
        models fixed test images of both domains (train images when there is no test split)."""
        if not self.model.directions:
            return self.model.sample_inputs(n, generator)
        split = self.data.test if self.data.test is not None else self.data.train
        half = max(1, n // 2)
        pairs = [split[i] for i in range(min(half, len(split)))]
        a, b = (torch.stack([pair[d] for pair in pairs]) for d in (0, 1))
        return self.model.sample_inputs(n, generator, examples=(a, b))

    def _total_steps(self) -> int:
        epochs = self.config["epochs"]
        if epochs:
            batches = len(self.data.train) // (self.config["batch_size"] * self.world.size)
            return max(1, int(epochs * batches))
        return int(self.config["steps"])

    def _restore(self, path: Path) -> None:
        state = ckpt.load(path)
        for name, net in self.model.nets().items():
            unwrap(net).load_state_dict(state["nets"][name])
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        for name, sched in self.schedulers.items():
            sched.load_state_dict(state["schedulers"][name])
        if self.run.ema is not None and state.get("ema"):
            self.run.ema.load_state_dict(state["ema"])
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.model.load_extra_state(state.get("extra", {}))
        self.stream.load_state(state["stream"])
        self.fixed = state["fixed"]
        self.run.step = int(state["step"])
        rng = state["rng_by_rank"].get(str(self.world.rank))
        if rng is not None:  # a rank the saved run did not have keeps its fresh seed
            ckpt.set_rng_state(rng)
        if self.run.is_main and self.run.metrics_path.exists():  # drop rows logged after the checkpoint
            rows = [r for r in self.run.metrics_path.read_text().splitlines() if r and json.loads(r)["step"] <= self.run.step]
            self.run.metrics_path.write_text("".join(r + "\n" for r in rows))

    # -- the pieces of the loop ----------------------------------------------------------
    def _write_config(self) -> None:
        record = {
            "model": self.spec.qualified_name,
            "data": self.data_source,
            "config": self.config,
            "resolved": {"device": str(self.device), "precision": self.precision, "channels_last": self.channels_last,
                         "threads": self.threads, "world_size": self.world.size, "total_steps": self.total_steps},
            "data_info": self.data_info.as_dict(),
            "versions": {"ganzoo": __version__, self.spec.plugin: _plugin_version(self.spec), "torch": torch.__version__},
        }
        self.run.dir.mkdir(parents=True, exist_ok=True)
        (self.run.dir / "config.json").write_text(json.dumps(record, indent=2, default=_json_default) + "\n")

    def _gather_rng(self) -> dict[str, Any]:
        mine = ckpt.rng_state()
        if not self.world.distributed:
            return {"0": mine}
        import torch.distributed as dist

        everyone: list[Any] = [None] * self.world.size
        dist.all_gather_object(everyone, mine)
        return {str(rank): state for rank, state in enumerate(everyone)}

    def save_checkpoint(self) -> Path | None:
        rng = self._gather_rng()  # a collective: every rank takes part
        if not self.run.is_main:
            return None
        state = {
            "format": ckpt.FORMAT_VERSION,
            "meta": {
                "model": self.spec.name, "qualified_name": self.spec.qualified_name, "plugin": self.spec.plugin,
                "plugin_version": _plugin_version(self.spec), "ganzoo_version": __version__,
                "config": json.loads(json.dumps(self.config, default=_json_default)),
                "data": self.data_info.as_dict(), "data_source": self.data_source, "step": self.run.step,
                "created": _dt.datetime.now().isoformat(timespec="seconds"),
            },
            "step": self.run.step,
            "nets": {name: unwrap(net).state_dict() for name, net in self.model.nets().items()},
            "optimizers": {name: opt.state_dict() for name, opt in self.optimizers.items()},
            "schedulers": {name: s.state_dict() for name, s in self.schedulers.items()},
            "ema": self.run.ema.state_dict() if self.run.ema is not None else None,
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "extra": self.model.extra_state(),
            "stream": self.stream.state(),
            "fixed": self.fixed,
            "rng_by_rank": rng,
        }
        path = self.run.checkpoints_dir / f"step-{self.run.step:06d}.pt"
        ckpt.atomic_save(state, path)
        ckpt.atomic_link(path, self.run.checkpoints_dir / "last.pt")
        ckpt.prune(self.run.checkpoints_dir, self.config["keep_checkpoints"])
        self.host.hook.ganzoo_checkpoint(run=self.run, step=self.run.step, path=str(path))
        return path

    def save_samples(self) -> Path | None:
        if not self.run.is_main:
            return None
        with torch.no_grad(), autocast_factory(self.device, self.precision)():
            samples, per_row = self.model.preview(self.fixed, self.run.sampling_nets())
        path = self.run.samples_dir / f"step-{self.run.step:06d}.png"
        if self.data_info.kind == "points-2d":
            centres = self.data_info.extra.get("centres")
            save_scatter(samples.float().cpu(), path, torch.tensor(centres) if centres else None)
        else:
            save_grid(samples.float().cpu(), path, nrow=per_row)
        self.host.hook.ganzoo_sample(run=self.run, step=self.run.step, path=str(path))
        return path

    def evaluate(self) -> dict[str, Any] | None:
        """Score the sampling nets now (rank 0), log the scores and call ``ganzoo_evaluate``.

        The evaluator, its feature network and the real features are built on first use
        and kept, so each later evaluation costs only sampling and feature extraction.
        """
        if not self.run.is_main:
            return None
        from ganzoo.evaluation import Evaluator
        from ganzoo.loading import LoadedModel

        cfg = self.config
        if self._evaluator is None:
            self._evaluator = Evaluator(self.data, self.data_info.kind, self.spec.task, cfg["eval_metrics"],
                                        cfg["eval_features"], n=cfg["eval_samples"], seed=cfg["seed"])
        nets = self.run.sampling_nets()  # eval-mode: EMA shadows, or copies of the live weights
        meta = {"model": self.spec.name, "plugin": self.spec.plugin, "step": self.run.step}
        loaded = LoadedModel(self.model, nets, meta, None, ema=self.run.ema is not None)
        results = self._evaluator.result(loaded)  # scored under no_grad
        numbers = {f"eval/{k}": float(v) for k, v in results["scores"].items() if isinstance(v, (int, float))}
        self.host.hook.ganzoo_train_step_end(run=self.run, step=self.run.step, metrics=numbers)
        self.host.hook.ganzoo_evaluate(run=self.run, step=self.run.step, results=results)
        self._say(f"step {self.run.step} eval: " + "  ".join(f"{k} {v:.4g}" for k, v in numbers.items()))
        return results

    def _check_finite(self, metrics: dict[str, float]) -> None:
        bad = {k: v for k, v in metrics.items() if not math.isfinite(v)}
        if bad:
            last = self.run.last_checkpoint
            where = (f"The last good checkpoint is {last}; resume it with `ganzoo train --resume {self.run.dir}`, "
                     "perhaps with a lower --lr.") if last else "No checkpoint was written before it."
            raise TrainingDivergedError(
                f"training diverged at step {self.run.step + 1}: " + ", ".join(f"{k} = {v}" for k, v in bad.items())
                + f". {where}")

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self._stop_requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self._stop_requested = True
        self._say("\nCtrl-C: finishing this step, saving a checkpoint, then stopping (press again to abort).")

    def _say(self, text: str) -> None:
        if self.run.is_main and not self.quiet:
            print(text, file=sys.stderr, flush=True)

    # -- the loop ----------------------------------------------------------------------
    def fit(self) -> Run:
        run, cfg = self.run, self.config
        resumed = run.step > 0
        if run.is_main:
            self._write_config()
        self.host.hook.ganzoo_train_start(run=run)
        if not resumed:
            self.save_samples()
        previous = signal.signal(signal.SIGINT, self._on_sigint) if _main_thread() else None
        self._say(f"training {self.spec.name} on {self.data.describe()}\n  device {self.device}, precision "
                  f"{self.precision}, channels_last {self.channels_last}, threads {self.threads}, "
                  f"world size {self.world.size}\n  run folder {run.dir}"
                  + (f"\n  resuming at step {run.step}" if resumed else ""))
        progress = self._progress(run.step)
        start_time, window_start, window_images = time.perf_counter(), time.perf_counter(), 0
        per_step = cfg["batch_size"] * self.world.size
        started_at = run.step
        metrics: dict[str, float] = {}
        try:
            for net in self.model.nets().values():
                net.train()
            while run.step < self.total_steps and not self._stop_requested:
                ctx = StepContext(step=run.step, device=self.device, autocast=autocast_factory(self.device, self.precision),
                                  scaler=self.scaler, next_batch=lambda: next(self.stream))
                metrics = self.model.train_step(next(self.stream), ctx)
                self._check_finite(metrics)
                if self.scaler is not None:
                    self.scaler.update()
                with warnings.catch_warnings():
                    # fp16's GradScaler skips optimiser steps whose gradients overflowed; that is expected
                    warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step", category=UserWarning)
                    for sched in self.schedulers.values():
                        sched.step()
                if run.ema is not None:
                    run.ema.update(self.model.nets())
                run.step += 1
                window_images += per_step
                if run.step % cfg["log_every"] == 0 or run.step == self.total_steps:
                    now = time.perf_counter()
                    logged = {**metrics, "images_per_s": window_images / max(now - window_start, 1e-9),
                              "lr": self.schedulers[next(iter(self.schedulers))].get_last_lr()[0],
                              "epoch": self.stream.epoch, "seconds": now - start_time}
                    window_start, window_images = now, 0
                    if run.is_main:
                        self.host.hook.ganzoo_train_step_end(run=run, step=run.step, metrics=logged)
                    progress.update(run.step, logged)
                if run.step % cfg["sample_every"] == 0:
                    self.save_samples()
                if run.step % cfg["checkpoint_every"] == 0:
                    self.save_checkpoint()
                if cfg["eval_every"] and run.step % cfg["eval_every"] == 0:
                    self.evaluate()
        except TrainingDivergedError as err:
            run.status = "diverged"
            progress.close()
            self._finish(start_time, started_at, metrics, error=str(err))
            raise
        except BaseException as err:
            run.status = "failed"
            progress.close()
            self._finish(start_time, started_at, metrics, error=f"{type(err).__name__}: {err}")
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        progress.close()
        run.status = "interrupted" if self._stop_requested else "finished"
        if run.step % cfg["checkpoint_every"] != 0:
            self.save_checkpoint()
        if run.step % cfg["sample_every"] != 0:
            self.save_samples()
        self._finish(start_time, started_at, metrics)
        return run

    def _progress(self, start: int) -> Progress:
        return Progress(self.total_steps, start, enabled=self.run.is_main and not self.quiet)

    def _finish(self, start_time: float, started_at: int, metrics: dict[str, float], error: str | None = None) -> None:
        run = self.run
        seconds = time.perf_counter() - start_time
        steps = run.step - started_at
        samples = sorted(run.samples_dir.glob("step-*.png")) if run.samples_dir.exists() else []
        summary = {
            "status": run.status, "step": run.step, "total_steps": self.total_steps, "seconds": seconds,
            "images_per_s": steps * self.config["batch_size"] * self.world.size / max(seconds, 1e-9),
            "run_dir": str(run.dir), "checkpoint": str(run.last_checkpoint) if run.last_checkpoint else None,
            "samples": str(samples[-1]) if samples else None, "final_metrics": metrics, "error": error,
            "rank": self.world.rank,
        }
        self.host.hook.ganzoo_train_end(run=run, summary=summary)  # every rank: check run.is_main
        if run.status in ("finished", "interrupted"):
            self._say(
                f"{run.status} at step {run.step}/{self.total_steps} after {seconds:.1f} s "
                f"({summary['images_per_s']:.0f} images/s)\n"
                f"  run folder:  {run.dir}\n  samples:     {summary['samples']}\n  checkpoint:  {summary['checkpoint']}\n"
                + (f"  resume:      ganzoo train --resume {run.dir}\n" if run.status == "interrupted" else "")
                + f"  sample:      ganzoo sample {run.dir} --out grid.png")
        self.close()

    def close(self) -> None:
        """Drop DDP-wrapped nets and optimisers before tearing the process group down."""
        if self.world.distributed:
            self.model.replace_nets(lambda name, net: unwrap(net))
            self.optimizers.clear()
            self.schedulers.clear()
            ddp.teardown(self.world)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def train(model: str | None = None, data: str | Path | None = None, *, out: str | Path | None = None,
          resume: str | Path | None = None, config_file: str | Path | None = None, quiet: bool = False,
          **overrides: Any) -> Run:
    """Train ``model`` on ``data`` (a dataset name or folder); returns the finished Run."""
    return Trainer(model, data, out=out, resume=resume, config_file=config_file, overrides=overrides,
                   quiet=quiet).fit()
