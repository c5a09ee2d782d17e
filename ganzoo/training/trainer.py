"""The Trainer: one loop for every model family.

A family's ``train_step`` says how its nets update on a batch; the Trainer owns the
rest. Its parts live in their own modules: config layers (``config``), the run folder
and what a resume names (``rundir``), the checkpoint's contents (``state``), device and
precision (``device``, ``precision``, ``compiling``), the data stream (``stream``), EMA
(``ema``), the step figures kept on the device (``step_log``) and progress output. This
module builds a run from them and runs the loop.
"""

from __future__ import annotations

import signal
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ganzoo._version import __version__
from ganzoo.artifacts import checkpoint as ckpt
from ganzoo.data import load as load_data
from ganzoo.data.cache import quiet_if
from ganzoo.errors import GanzooError
from ganzoo.host import get_host
from ganzoo.io.imaging import save_samples
from ganzoo.nn.augment import augment_for
from ganzoo.nn.base import DataInfo
from ganzoo.nn.build import build_model
from ganzoo.nn.model import GanModel, StepContext
from ganzoo.training import best, rundir, state
from ganzoo.training import distributed as ddp
from ganzoo.training import precision as prec
from ganzoo.training import resume as resume_rules
from ganzoo.training.compiling import compile_in_place, step_falling_back
from ganzoo.training.config import ConfigError
from ganzoo.training.device import autocast_factory, pick_device, pick_threads
from ganzoo.training.ema import EMA, unwrap
from ganzoo.training.plan import RunPlan
from ganzoo.training.progress import Clock, Progress, ending, next_steps
from ganzoo.training.run import Run, fixed_inputs
from ganzoo.training.run_record import RunRecord
from ganzoo.training.schedule import apply_schedule, lr_factor, on_resume, total_steps
from ganzoo.training.step_log import StepLog
from ganzoo.training.stream import BatchStream

#: a progress line (and a metrics row) at least this often, whatever log_every says
QUIET_LIMIT_S = 30.0


class TrainingDivergedError(GanzooError):
    """A loss became NaN or infinite."""


#: ``evaluator(trainer)`` returns a function that scores the run's sampling nets now
EvaluatorFactory = Callable[["Trainer"], Callable[[], dict[str, Any]]]


class Trainer:
    """Builds everything a run needs, then ``fit()`` runs the loop."""

    def __init__(self, plan: RunPlan, *, quiet: bool = False, host: Any = None,
                 evaluator: EvaluatorFactory | None = None, record: RunRecord | None = None) -> None:
        self.plan, self.spec, cfg = plan, plan.spec, plan.config
        self.config = dict(cfg)  # the Run and the hooks see a plain dict; the plan keeps the frozen one
        self.record = record or RunRecord.from_plan(plan)
        self.host = host or get_host()
        self.quiet = quiet
        self.world = ddp.world_from_env()
        if self.world.size != plan.world_size:
            raise GanzooError(f"this run was planned for {plan.world_size} process(es) but {self.world.size} "
                              "were started; plan it with the world size that trains it.")
        self.data_source = plan.data
        target = plan.resume
        self._saved, self._changes = (target.saved, target.changes) if target else (None, {})
        if cfg["eval_every"] and evaluator is None:
            raise ConfigError("eval_every needs an evaluator: train with ganzoo.train() or `ganzoo train`.")
        self._make_evaluator, self._evaluate = evaluator, None

        self.device = pick_device(cfg["device"], self.world.local_rank)
        self._resumed = ckpt.load(target.checkpoint) if target else None  # its step is compared, too
        self._resumed_from = target.checkpoint if target else None
        ddp.init(self.world, self.device, {"model": self.spec.qualified_name, "data": self.data_source,  # same on all
                                           "resume_step": (self._resumed or {}).get("step"), **rundir.plain(cfg)})
        with quiet_if(quiet):  # data preparation's progress lines too
            self.data = load_data(plan.data, seed=cfg["seed"], image_size=cfg["image_size"], channels=cfg["channels"],
                                  strict=cfg["strict_data"], registry=self.host.registry)
        self.data_info = DataInfo.from_data(self.data)

        torch.manual_seed(cfg["seed"])  # identical initial weights on every rank
        self.model = build_model(self.spec, cfg, self.data_info)
        self.augment = augment_for(cfg, self.model, self.data_info.kind, self.device)  # --augment: checkpointed
        convolutional = self.model.convolutional
        self.threads = pick_threads(cfg["threads"], convolutional, self.world.local_size)  # this machine's processes
        if self.device.type == "cpu":
            torch.set_num_threads(self.threads)
        self.precision, self.channels_last, self.precision_reason = self._pick_precision(self._saved)
        self._on_device(self.model)
        ema = EMA.of_samplers(self.model, cfg["ema_decay"]) if cfg["ema"] else None
        if cfg["compile"]:
            compile_in_place(self.model.nets())
        self.optimizers = self.model.build_optimizers()
        self.stream = BatchStream(self.data, cfg["batch_size"], cfg["seed"], self.device,
                                  channels_last=self.channels_last, rank=self.world.rank,
                                  world_size=self.world.size, num_workers=cfg["num_workers"], local_size=self.world.local_size)
        self.total_steps = total_steps(cfg, self.stream.batches_per_epoch)
        self.schedule = {"total": self.total_steps, "restart_at": 0}
        self.schedulers = {name: torch.optim.lr_scheduler.LambdaLR(opt, lr_factor(cfg, self.total_steps))
                           for name, opt in self.optimizers.items()}
        self.scaler = torch.amp.GradScaler(self.device.type) if self.precision == "fp16" else None
        self.fixed = fixed_inputs(self.model, self.data, cfg["sample_count"],
                                 torch.Generator().manual_seed(cfg["seed"] + 12_345))

        run_dir = target.run_dir if target else ddp.from_main(
            self.world, rundir.claim(plan.out, plan.folder_name) if self.world.is_main else None)
        self.run = Run(run_dir, self.config, self.spec, self.model, self.data_info, self.data_source, self.world,
                       ema=ema)
        self.lock = rundir.hold(run_dir, self.world.is_main)  # one writer per run folder, for the run's life
        # every rank draws its own noise from here on; rank 0 keeps the plain seed
        torch.manual_seed(cfg["seed"] + 1_000 * self.world.rank + 1)
        if self._resumed is not None:
            self._restore()
        if self.world.distributed:
            self.model.replace_nets(lambda name, net: ddp.wrap(net, self.device))
        self._stop_requested = False
        self._checkpointed_at: int | None = None  # the step of the last checkpoint written (fit sets it)
        self.log = StepLog()

    # -- set-up helpers -------------------------------------------------------------
    def _on_device(self, model: GanModel) -> None:
        fmt = torch.channels_last if self.channels_last else torch.contiguous_format
        model.replace_nets(lambda name, net: net.to(self.device, memory_format=fmt))

    def _pick_precision(self, saved: dict[str, Any] | None) -> tuple[str, bool, str]:
        """Precision and layout: as the run started, when resumed; else measured (precision.py)."""
        choice = prec.for_run(self.spec, self.config, self.data_info, self.device, self.world.size,
                              self.model.convolutional, (saved or {}).get("resolved", {}), self._say)
        return ddp.from_main(self.world, choice)

    def _restore(self) -> None:
        fresh = {name: [g["lr"] for g in opt.param_groups] for name, opt in self.optimizers.items()}
        saved, self._resumed = state.RunState.from_checkpoint(self._resumed), None  # not kept for the run's life
        saved.restore(self._parts(), self.world.rank)
        self.fixed, self.run.step = saved.fixed, saved.step
        self.schedule, note = on_resume(self.config, saved.schedule or None, self.run.step, self.total_steps, self._changes)
        # a new lr: the optimisers were built with it, so it becomes the schedulers' base
        apply_schedule(self.schedulers, lr_factor(self.config, **self.schedule), self.run.step,
                       fresh if "lr" in self._changes else None)
        self._resume_entry = resume_rules.entry(self.run.step, self._changes, note)
        if note:
            self._say(f"resume: {note}")
        if self.run.is_main:
            rundir.trim_metrics(self.run.metrics_path, self.run.step)

    def _parts(self) -> state.LiveParts:
        return state.LiveParts(self.model, self.optimizers, self.schedulers, self.run.ema, self.scaler, self.augment,
                               self.stream)

    def _state(self, rng_by_rank: dict[str, Any], augment_by_rank: dict[str, Any] | None = None) -> state.RunState:
        """The run's state now (``augment_by_rank``: every rank's, by default this rank's alone)."""
        return state.RunState.capture(
            self._parts(), step=self.run.step, schedule=self.schedule, fixed=self.fixed, rng_by_rank=rng_by_rank,
            augment_by_rank=augment_by_rank or {str(self.world.rank): self.augment.state_dict()},
            meta=state.meta(self.spec, self.config, self.data_info, self.data_source, self.run.step))

    # -- the pieces of the loop ----------------------------------------------------------
    def _write_config(self) -> None:
        rundir.write_config(self.run.dir, {
            "model": self.spec.qualified_name,
            "data": self.data_source,
            "config": self.config,
            "resolved": {"device": str(self.device), "precision": self.precision,
                         "precision_reason": self.precision_reason, "channels_last": self.channels_last,
                         "threads": self.threads, "world_size": self.world.size, "total_steps": self.total_steps,
                         "num_workers": self.stream.num_workers},
            "data_info": self.data_info.as_dict(),
            "resumes": [*(self._saved or {}).get("resumes", []),
                        *([self._resume_entry] if getattr(self, "_resume_entry", None) else [])],
            "versions": {"ganzoo": __version__, self.spec.plugin: state.plugin_version(self.spec),
                         "torch": torch.__version__},
        })

    def _settle(self) -> None:
        """Bring the step figures to the host; stop the run if one was not finite."""
        if (bad := self.log.settle()) is not None:
            self._diverged(bad.step, bad.figures)

    def _diverged(self, step: int, figures: dict[str, float]) -> None:
        last = self.run.last_checkpoint
        where = (f"The last good checkpoint is {last}; resume it with `ganzoo train --resume {self.run.dir}`, "
                 "perhaps with a lower --lr.") if last else "No checkpoint was written before it."
        raise TrainingDivergedError(f"training diverged at step {step}: "
                                    + ", ".join(f"{k} = {v}" for k, v in figures.items()) + f". {where}")

    def save_checkpoint(self) -> Path | None:
        self._settle()  # never write a checkpoint after a NaN
        rng, augment = (ddp.gather_by_rank(self.world, s) for s in (ckpt.rng_state(), self.augment.state_dict()))  # all ranks
        self._checkpointed_at = self.run.step
        if not self.run.is_main:
            return None
        path = self.run.checkpoints_dir / f"step-{self.run.step:06d}.pt"
        ckpt.atomic_save(self._state(rng, augment).as_checkpoint(), path)
        ckpt.atomic_link(path, self.run.checkpoints_dir / "last.pt")
        ckpt.prune(self.run.checkpoints_dir, self.config["keep_checkpoints"])
        self.host.hook.ganzoo_checkpoint(run=self.run, step=self.run.step, path=str(path))
        return path

    def save_samples(self) -> Path | None:
        if not self.run.is_main:
            return None
        with torch.no_grad(), autocast_factory(self.device, self.precision)():
            samples, per_row = self.model.preview(self.fixed, self.run.sampling_nets())
        path = save_samples(samples, self.run.samples_dir / f"step-{self.run.step:06d}.png", self.data_info, per_row)
        self.host.hook.ganzoo_sample(run=self.run, step=self.run.step, path=str(path))
        return path

    def evaluate(self) -> dict[str, Any] | None:
        """Score the sampling nets now (rank 0), log the scores and call ``ganzoo_evaluate``.

        The evaluator (its feature network and real features) is built on first use and
        kept, so each later evaluation costs only sampling and feature extraction."""
        if not self.run.is_main or self._make_evaluator is None:
            return None
        if self._evaluate is None:
            self._say(f"step {self.run.step}: preparing the evaluator (feature network, real features) ...")
            self._evaluate = self._make_evaluator(self)
        results = self._evaluate()
        if best.keep_if_best(self.run.checkpoints_dir, self.run.step, results["scores"],
                             lambda path: ckpt.atomic_save(self._state({"0": ckpt.rng_state()}).as_checkpoint(), path)):
            self._say(f"step {self.run.step}: the best score so far; kept as {self.run.checkpoints_dir / best.BEST_FILE}")
        numbers = {f"eval/{k}": float(v) for k, v in results["scores"].items() if isinstance(v, (int, float))}
        self.host.hook.ganzoo_train_step_end(run=self.run, step=self.run.step, metrics=numbers)
        self.host.hook.ganzoo_evaluate(run=self.run, step=self.run.step, results=results)
        self._say(f"step {self.run.step} eval: " + "  ".join(f"{k} {v:.4g}" for k, v in numbers.items()))
        return results

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self._stop_requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        self._stop_requested = True
        self._say("\nCtrl-C: finishing this step, saving a checkpoint, then stopping (press again to abort).")

    def _say(self, text: str) -> None:
        if self.world.is_main and not self.quiet:
            print(text, file=sys.stderr, flush=True)

    def _step_schedulers(self) -> None:
        if self.scaler is None:
            for sched in self.schedulers.values():
                sched.step()
            return
        self.scaler.update()
        with warnings.catch_warnings():
            # fp16's GradScaler skips optimiser steps whose gradients overflowed; that is expected
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step", category=UserWarning)
            for sched in self.schedulers.values():
                sched.step()

    # -- the loop ----------------------------------------------------------------------
    def fit(self) -> Run:
        run, cfg = self.run, self.config
        resumed = run.step > 0
        # the last checkpoint's step, alike on every rank: the run ends with one unless its last step wrote one
        # (decided from last.pt's existence, a rank looking while rank 0 wrote it saved alone and hung)
        self._checkpointed_at = ddp.from_main(self.world, rundir.resumed_from_last(self._resumed_from, run))
        if run.is_main:
            self._write_config()
            self.record.start(run.dir, run.step, self.total_steps)
        self.host.hook.ganzoo_train_start(run=run)
        if not resumed:
            self.save_samples()
        previous = signal.signal(signal.SIGINT, self._on_sigint) if _main_thread() else None
        self._say(f"training {self.spec.name} on {self.data.describe()}\n  device {self.device}, precision "
                  f"{self.precision} ({self.precision_reason}), channels_last {self.channels_last}, threads "
                  f"{self.threads}, world size {self.world.size}\n  run folder {run.dir}"
                  + (f"\n  resuming at step {run.step}" if resumed else ""))
        self.progress = Progress(self.total_steps, run.step, enabled=run.is_main and not self.quiet)
        self.clock = Clock(images_per_step=cfg["batch_size"] * self.world.size)
        started_at = run.step
        ctx = StepContext(step=run.step, device=self.device, autocast=autocast_factory(self.device, self.precision),
                          scaler=self.scaler, next_batch=lambda: next(self.stream), augment=self.augment)
        try:
            for net in self.model.nets().values():
                net.train()
            while self._keep_going():
                ctx.step = run.step
                self.log.add(run.step + 1, {**step_falling_back(self.model, next(self.stream), ctx, self._say),
                                            **self.augment.figures()})
                self._step_schedulers()
                if run.ema is not None:
                    run.ema.update(self.model.nets())
                run.step += 1
                self.clock.images += self.clock.images_per_step
                self._after_step()
            self._settle()
        except TrainingDivergedError as err:
            self._stopped("diverged", started_at, str(err))
            raise
        except BaseException as err:
            self._stopped("failed", started_at, f"{type(err).__name__}: {err}")
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        self.progress.close()
        run.status = "interrupted" if self._stop_requested else "finished"
        if self.log.has_rows():  # steps since the last log (an interrupted window)
            self._log()
        if self._checkpointed_at != run.step:
            self.save_checkpoint()
        if run.step % cfg["sample_every"] != 0:
            self.save_samples()
        self._finish(started_at)
        return run

    def _keep_going(self) -> bool:
        """Whether to take another step. Under ``--nproc`` every rank must take the same steps
        (each step averages gradients across them), but each rank sees the wall clock
        (``--minutes``) and Ctrl-C at its own moment; so there rank 0 decides, asked every
        ``log_every`` steps."""
        if self.run.step >= self.total_steps:
            return False
        stop = self._stop_requested or self.clock.past(self.config["minutes"])
        if not self.world.distributed:
            return not stop
        return self.run.step % self.config["log_every"] != 0 or not ddp.from_main(self.world, stop)

    def _after_step(self) -> None:
        run, cfg = self.run, self.config
        if run.step % cfg["log_every"] == 0 or run.step == self.total_steps or self.clock.quiet_for() > QUIET_LIMIT_S:
            self._log()
        if run.step % cfg["sample_every"] == 0:
            self.save_samples()
        if run.step % cfg["checkpoint_every"] == 0:
            self.save_checkpoint()
        if cfg["eval_every"] and run.step % cfg["eval_every"] == 0:
            self.evaluate()

    def _log(self) -> None:
        """Average the window's figures (the window's one host sync), check them, log them."""
        means, bad = self.log.reduce()
        if bad is not None:
            self._diverged(bad.step, bad.figures)
        run = self.run
        logged = {**means, "images_per_s": self.clock.window_rate(),
                  "lr": self.schedulers[next(iter(self.schedulers))].get_last_lr()[0],
                  "epoch": self.stream.epoch, "seconds": self.clock.elapsed()}
        self.last_metrics = means
        if run.is_main:
            self.host.hook.ganzoo_train_step_end(run=run, step=run.step, metrics=logged)
        self.progress.update(run.step, logged)

    def _stopped(self, status: str, started_at: int, error: str) -> None:
        self.run.status = status
        self.progress.close()
        self._finish(started_at, error=error)

    def _finish(self, started_at: int, error: str | None = None) -> None:
        run = self.run
        seconds = self.clock.elapsed()
        steps = run.step - started_at
        samples = sorted(run.samples_dir.glob("step-*.png")) if run.samples_dir.exists() else []
        summary = {
            "status": run.status, "step": run.step, "total_steps": self.total_steps, "seconds": seconds,
            "images_per_s": steps * self.clock.images_per_step / max(seconds, 1e-9),
            "run_dir": str(run.dir), "checkpoint": str(run.last_checkpoint) if run.last_checkpoint else None,
            "samples": str(samples[-1]) if samples else None, "final_metrics": getattr(self, "last_metrics", {}),
            "error": error, "rank": self.world.rank,
        }
        self.host.hook.ganzoo_train_end(run=run, summary=summary)  # every rank: check run.is_main
        report = self.record.stop(run.dir, run.status, run.step, self.total_steps, error) if run.is_main else ""
        if run.status in ("finished", "interrupted"):
            conditional = bool(getattr(unwrap(self.model.nets()[self.model.sampler_names[0]]), "num_classes", 0))
            self._say(ending(summary, report) + next_steps(run.dir, self.data_info, bool(self.model.directions),
                                                           conditional))
        self.close()

    def close(self) -> None:
        """Stop loader workers; drop DDP-wrapped nets and optimisers before tearing the
        process group down."""
        self.stream.close()
        self.lock.release()
        if self.world.distributed:
            self.model.replace_nets(lambda name, net: unwrap(net))
            self.optimizers.clear()
            self.schedulers.clear()
            ddp.teardown(self.world)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def train(plan: RunPlan, *, quiet: bool = False, evaluator: EvaluatorFactory | None = None,
          record: RunRecord | None = None) -> Run:
    """Execute ``plan`` (``ganzoo.training.plan.plan_run``); returns the finished Run."""
    return Trainer(plan, quiet=quiet, evaluator=evaluator, record=record).fit()
