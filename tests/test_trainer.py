"""The Trainer: run layout, exact resume (also after SIGKILL), NaN guard, hooks, Ctrl-C, DDP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.artifacts.checkpoint import CheckpointError
from ganzoo.artifacts.checkpoint import load as load_checkpoint
from ganzoo.errors import GanzooError, IncompatibleDataError
from ganzoo.training.config import ConfigError
from ganzoo.training.trainer import TrainingDivergedError

pytestmark = pytest.mark.usefixtures("models_host")

QUICK = dict(quiet=True, sample_every=10, checkpoint_every=10, log_every=5)


def run_dir(out: Path) -> Path:
    (only,) = list(out.iterdir())
    return only


def weights(path: Path) -> dict[str, torch.Tensor]:
    state = load_checkpoint(path)
    return {f"{net}.{k}": v for net, sd in state["nets"].items() for k, v in sd.items()}


def assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = weights(a), weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.equal(wa[key], wb[key]), f"{key} differs by {(wa[key].float() - wb[key].float()).abs().max()}"


def test_a_run_writes_config_metrics_samples_and_pruned_checkpoints(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path / "runs", steps=40, keep_checkpoints=2, **QUICK)
    assert run.status == "finished" and run.step == 40 and run.dir.parent == tmp_path / "runs"
    config = json.loads((run.dir / "config.json").read_text())
    assert config["model"] == "ganzoo-fixture-models:tinygan" and config["data"] == "ring"
    assert config["config"]["latent_dim"] == 4 and config["resolved"]["precision"] == "fp32"
    rows = [json.loads(r) for r in (run.dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [5, 10, 15, 20, 25, 30, 35, 40]
    assert {"loss_D", "loss_G", "images_per_s", "lr", "epoch"} <= rows[0].keys()
    assert sorted(p.name for p in (run.dir / "samples").iterdir()) == [f"step-0000{s}.png" for s in ("00", "10", "20", "30", "40")]
    assert sorted(p.name for p in (run.dir / "checkpoints").iterdir()) == ["last.pt", "step-000030.pt", "step-000040.pt"]
    meta = load_checkpoint(run.dir / "checkpoints" / "last.pt")["meta"]
    assert meta["model"] == "tinygan" and meta["plugin"] == "ganzoo-fixture-models" and meta["step"] == 40
    assert meta["data"]["kind"] == "points-2d" and meta["config"]["lr"] == 1e-3


@pytest.mark.parametrize("model, data, extra", [
    ("tinygan", "ring", {"d_steps": 2}),  # dropout and critic steps draw from every RNG
    ("tinytranslate", "sketches2photos", {}),  # image pool in extra_state, unpaired epochs
])
def test_resume_continues_exactly(tmp_path: Path, model: str, data: str, extra: dict) -> None:
    settings = dict(QUICK, **extra, ema=True)
    straight = ganzoo.train(model, data, out=tmp_path / "a", steps=40, **settings)
    first = ganzoo.train(model, data, out=tmp_path / "b", steps=20, **settings)
    resumed = ganzoo.train(resume=first.dir, steps=40, quiet=True)
    assert resumed.dir == first.dir and resumed.step == 40
    assert_same_weights(straight.dir / "checkpoints" / "last.pt", resumed.dir / "checkpoints" / "last.pt")
    a, b = load_checkpoint(straight.dir / "checkpoints/last.pt"), load_checkpoint(resumed.dir / "checkpoints/last.pt")
    for name in a["ema"]["nets"]:
        for key in a["ema"]["nets"][name]:
            assert torch.equal(a["ema"]["nets"][name][key], b["ema"]["nets"][name][key])
    if model == "tinytranslate":
        assert len(a["extra"]["pool"]) == 3 and all(torch.equal(x, y) for x, y in zip(a["extra"]["pool"], b["extra"]["pool"]))


def test_a_run_ends_with_last_pt_at_its_own_step(tmp_path: Path) -> None:
    """Resumed from its newest checkpoint and already done, a run writes nothing more; resumed
    from an older one (here ``step-000010.pt``, as ``best.pt`` may be), it writes a checkpoint
    of the step it ends at, so that ``last.pt`` says where the run stopped."""
    run = ganzoo.train("tinygan", "ring", out=tmp_path, steps=20, **dict(QUICK, checkpoint_every=10))
    last = run.dir / "checkpoints" / "last.pt"
    before = last.stat().st_mtime_ns
    again = ganzoo.train(resume=run.dir, steps=20, quiet=True)
    assert again.step == 20 and last.stat().st_mtime_ns == before  # nothing to add
    older = ganzoo.train(resume=run.dir / "checkpoints" / "step-000010.pt", steps=10, quiet=True)
    assert older.step == 10 and load_checkpoint(last)["meta"]["step"] == 10


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", **extra}


def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    args = ["tinygan", "--data", "ring", "--steps", "60", "--checkpoint-every", "20", "--set", "log_every=1", "--quiet"]
    subprocess.run([sys.executable, "-m", "ganzoo", "train", *args, "--out", str(tmp_path / "straight")],
                   check=True, env=_env(), timeout=300)
    killed_out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "ganzoo", "train", *args, "--out", str(killed_out)],
                            env=_env(GANZOO_TEST_STEP_DELAY="0.05"))
    deadline = time.time() + 240
    while time.time() < deadline and not list(killed_out.glob("*/checkpoints/last.pt")):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    killed = run_dir(killed_out)
    assert (killed / "checkpoints" / "last.pt").exists() and not (killed / "checkpoints" / "step-000060.pt").exists()
    assert not list((killed / "checkpoints").glob(".*tmp"))  # no half-written files under real names
    subprocess.run([sys.executable, "-m", "ganzoo", "train", "--resume", str(killed), "--quiet"],
                   check=True, env=_env(), timeout=300)
    assert_same_weights(run_dir(tmp_path / "straight") / "checkpoints/last.pt", killed / "checkpoints/last.pt")
    steps = [json.loads(r)["step"] for r in (killed / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 61))  # rows logged after step 20 by the killed process were replaced


def test_ctrl_c_saves_a_checkpoint_and_exits_130(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "ganzoo", "train", "tinygan", "--data", "ring", "--steps", "5000",
                             "--checkpoint-every", "10", "--set", "log_every=1", "--out", str(tmp_path / "runs")],
                            env=_env(GANZOO_TEST_STEP_DELAY="0.02"), stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while time.time() < deadline and not list(tmp_path.glob("runs/*/checkpoints/step-000010.pt")):
        time.sleep(0.02)
    time.sleep(0.3)  # a few steps past the periodic checkpoint, on a busy machine too
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err  # saved, but not finished: `ganzoo train ... && next` stops here
    assert "interrupted at step" in err and "ganzoo train --resume" in err
    state = load_checkpoint(run_dir(tmp_path / "runs") / "checkpoints" / "last.pt")
    assert 10 < state["step"] < 5000  # saved where it stopped, not only at the last periodic checkpoint


def test_nan_loss_stops_with_the_step_and_last_good_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(TrainingDivergedError) as err:
        ganzoo.train("tinygan", "ring", out=tmp_path / "runs", steps=50, nan_at_step=14, **QUICK)
    message = str(err.value)
    assert "diverged at step 15" in message and "loss_G = nan" in message
    assert "checkpoints/last.pt" in message and "--resume" in message
    assert load_checkpoint(run_dir(tmp_path / "runs") / "checkpoints" / "last.pt")["step"] == 10


def test_settings_are_validated_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting 'latent_dimm'. Did you mean latent_dim"):
        ganzoo.train("tinygan", "ring", out=tmp_path / "runs", latent_dimm=3)
    with pytest.raises(ConfigError, match="precision must be one of"):
        ganzoo.train("tinygan", "ring", out=tmp_path / "runs", precision="fp8")
    with pytest.raises(IncompatibleDataError, match="Compatible datasets: sketches2photos"):
        ganzoo.train("tinytranslate", "ring", out=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()  # nothing was written


def test_config_files_and_set_overrides(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('data = "grid"\nsteps = 12\nhidden = 16\n')
    run = ganzoo.train("tinygan", out=tmp_path / "runs", config_file=toml, quiet=True, checkpoint_every=100, sample_every=100)
    assert run.data_source == "grid" and run.step == 12 and run.config["hidden"] == 16
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("steps: 7\nlr: 0.01\n")
    result = subprocess.run([sys.executable, "-m", "ganzoo", "train", "tinygan", "--data", "ring", "--config", str(yaml_file),
                             "--set", "hidden=8", "--set", "lr=0.005", "--out", str(tmp_path / "cli"), "--quiet"],
                            capture_output=True, text=True, env=_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    saved = json.loads((run_dir(tmp_path / "cli") / "config.json").read_text())["config"]
    assert (saved["steps"], saved["hidden"], saved["lr"]) == (7, 8, 0.005)
    bad = subprocess.run([sys.executable, "-m", "ganzoo", "train", "tinygan", "--data", "ring", "--set", "hiden=8"],
                         capture_output=True, text=True, env=_env(), timeout=300)
    assert bad.returncode == 1 and "Did you mean hidden" in bad.stderr and "Traceback" not in bad.stderr


def test_hooks_fire_in_order_through_a_plugin(tmp_path: Path) -> None:
    from ganzoo.host import PluginHost
    from ganzoo.training.plan import plan_run
    from ganzoo.training.trainer import Trainer

    events: list[tuple[str, int]] = []

    class Recorder:
        @ganzoo.hookimpl
        def ganzoo_train_start(self, run):
            events.append(("start", run.step))

        @ganzoo.hookimpl
        def ganzoo_train_step_end(self, run, step, metrics):
            assert {"loss_D", "loss_G"} <= metrics.keys()
            events.append(("step", step))

        @ganzoo.hookimpl
        def ganzoo_sample(self, run, step, path):
            assert Path(path).exists()
            events.append(("sample", step))

        @ganzoo.hookimpl
        def ganzoo_checkpoint(self, run, step, path):
            assert Path(path).exists()
            events.append(("checkpoint", step))

        @ganzoo.hookimpl
        def ganzoo_train_end(self, run, summary):
            assert summary["status"] == "finished" and summary["checkpoint"].endswith("last.pt")
            events.append(("end", summary["step"]))

    host = PluginHost(extra=[("recorder", Recorder())])
    Trainer(plan_run("tinygan", "ring", out=tmp_path / "runs", registry=host.registry,
                     settings=dict(steps=10, log_every=5, sample_every=10, checkpoint_every=10)), quiet=True, host=host).fit()
    assert events == [("start", 0), ("sample", 0), ("step", 5), ("step", 10), ("sample", 10), ("checkpoint", 10), ("end", 10)]


def test_epochs_ema_and_tensorboard(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "digits", out=tmp_path / "runs", epochs=2, ema=True, **QUICK)
    assert run.step == 2 * (1_500 // 32)
    assert list((run.dir / "tensorboard").glob("events.out.tfevents.*"))
    live = ganzoo.sample(run.dir, n=4)
    assert live.shape == (4, 1, 32, 32) and live.min() >= -1 and live.max() <= 1
    ema_g = ganzoo.load(run.dir)
    state = load_checkpoint(run.dir / "checkpoints" / "last.pt")
    assert torch.equal(ema_g.state_dict()["net.0.weight"], state["ema"]["nets"]["G"]["net.0.weight"])
    assert not torch.equal(state["ema"]["nets"]["G"]["net.0.weight"], state["nets"]["G"]["net.0.weight"])


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_reduced_precision_runs_and_is_recorded(tmp_path: Path, precision: str) -> None:
    run = ganzoo.train("tinytranslate", "sketches2photos", out=tmp_path / "runs", steps=6, precision=precision, **QUICK)
    assert json.loads((run.dir / "config.json").read_text())["resolved"]["precision"] == precision
    scaler = load_checkpoint(run.dir / "checkpoints/last.pt")["scaler"]
    assert (scaler is None) == (precision == "bf16")  # fp16 scales gradients and saves the scale


def test_sample_cli_writes_grids_and_raw_tensors(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path / "runs", steps=10, **QUICK)
    for name in ("s.png", "s.pt", "s.npy"):
        result = subprocess.run([sys.executable, "-m", "ganzoo", "sample", str(run.dir), "-n", "50", "--out", str(tmp_path / name)],
                                capture_output=True, text=True, env=_env(), timeout=300)
        assert result.returncode == 0, result.stderr
    import numpy as np

    assert torch.load(tmp_path / "s.pt", weights_only=True).shape == (50, 2)
    assert np.load(tmp_path / "s.npy").shape == (50, 2)
    assert torch.equal(torch.load(tmp_path / "s.pt", weights_only=True), ganzoo.sample(run.dir, 50))  # seeded
    bad = subprocess.run([sys.executable, "-m", "ganzoo", "sample", str(run.dir), "--labels", "1", "--out", str(tmp_path / "x.png")],
                         capture_output=True, text=True, env=_env(), timeout=300)
    assert bad.returncode == 1 and "unconditional" in bad.stderr


def test_translate_cli_keeps_names_and_writes_a_grid(tmp_path: Path) -> None:
    from PIL import Image

    run = ganzoo.train("tinytranslate", "sketches2photos", out=tmp_path / "runs", steps=4, **QUICK)
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("cat.png", "dog.jpg"):
        Image.new("RGB", (40, 30), (200, 10, 10)).save(inputs / name)
    result = subprocess.run([sys.executable, "-m", "ganzoo", "translate", str(run.dir), "--input", str(inputs),
                             "--out", str(tmp_path / "out"), "--direction", "b2a", "--grid"],
                            capture_output=True, text=True, env=_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cat.png", "dog.jpg", "grid.png"]
    assert Image.open(tmp_path / "out" / "cat.png").size == (16, 16)
    assert Image.open(tmp_path / "out" / "grid.png").size == (3 * 18 + 2, 2 * 18 + 2)
    not_i2i = ganzoo.train("tinygan", "ring", out=tmp_path / "r2", steps=2, **QUICK)
    with pytest.raises(GanzooError, match="not an image-to-image model"):
        from ganzoo.artifacts.loading import load_model
        from ganzoo.services.translation import translate_files

        translate_files(load_model(not_i2i.dir), inputs, tmp_path / "o2")


def test_checkpoints_never_unpickle_code(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    path = tmp_path / "evil.pt"
    torch.save({"format": 1, "payload": Evil()}, path)
    with pytest.raises(CheckpointError, match="cannot load checkpoint"):
        load_checkpoint(path)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.slow
def test_two_process_ddp_run_keeps_ranks_identical_and_exits_cleanly(tmp_path: Path) -> None:
    for attempt in range(4):
        dump = tmp_path / f"dump{attempt}"
        dump.mkdir()
        result = subprocess.run([sys.executable, "-m", "ganzoo", "train", "tinygan", "--data", "ring", "--steps", "30",
                                 "--checkpoint-every", "15", "--nproc", "2", "--out", str(tmp_path / f"runs{attempt}"), "--quiet"],
                                capture_output=True, text=True, env=_env(GANZOO_TEST_DUMP_DIR=str(dump)), timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "terminate called" not in result.stderr
        r0, r1 = torch.load(dump / "rank0.pt", weights_only=True), torch.load(dump / "rank1.pt", weights_only=True)
        assert r0.keys() == r1.keys() and all(torch.equal(r0[k], r1[k]) for k in r0)
        runs = list((tmp_path / f"runs{attempt}").iterdir())
        assert len(runs) == 1 and (runs[0] / "checkpoints" / "step-000030.pt").exists()
