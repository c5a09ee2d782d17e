"""The fault table: bad input and faults against the CLI, each a command with the exit
code and the message fragment a user must get, never a traceback, and nothing lost.

Every row runs ``python -m ganzoo ...`` in a fresh interpreter with its own
GANZOO_HOME. Around each row the test takes a snapshot (every file's size and
sha256) of a finished run folder and of the weights cache, and asserts the row left
both exactly as they were, unless the row is about changing them.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ENV = {"HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def ganzoo_cli(*args: str, home: Path, cwd: Path, extra_env: dict[str, str] | None = None,
               limit_file_bytes: int | None = None) -> subprocess.CompletedProcess[str]:
    def limits() -> None:
        if limit_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_bytes, limit_file_bytes))

    env = {**os.environ, **ENV, "GANZOO_HOME": str(home), **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300, preexec_fn=limits)


def snapshot(*roots: Path) -> dict[str, tuple[int, str]]:
    state = {}
    for root in roots:
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if path.is_file() and not path.name.endswith(".lock"):
                state[str(path)] = (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
    return state


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A scratch home with the vanilla.ring weights cached, a finished 20-step vanilla run,
    a copy of it whose last checkpoint is truncated, a regular file (a place nothing can be
    written under), and a pickle that would run code."""
    root = tmp_path_factory.mktemp("faults")
    home = root / "home"
    done = ganzoo_cli("weights", "download", "vanilla.ring", home=home, cwd=root)
    assert done.returncode == 0, done.stderr
    done = ganzoo_cli("train", "vanilla", "--data", "ring", "--steps", "20", "--checkpoint-every", "10", "--set",
                      "sample_every=10", "--out", str(root / "runs"), "--quiet", home=home, cwd=root)
    assert done.returncode == 0, done.stderr
    (run,) = (root / "runs").iterdir()
    damaged = root / "damaged"
    shutil.copytree(run, damaged)
    last = damaged / "checkpoints" / "last.pt"
    last.unlink()  # last.pt is a hard link to step-000020.pt: cut both the same way
    (damaged / "checkpoints" / "step-000020.pt").write_bytes((run / "checkpoints" / "step-000020.pt").read_bytes()[:5000])
    os.link(damaged / "checkpoints" / "step-000020.pt", last)
    blocker = root / "a-file"
    blocker.write_text("not a folder")
    from PIL import Image

    Image.new("RGB", (64, 64), "white").save(root / "sketch.png")

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {root / 'pwned'}",))

    torch.save({"meta": {}, "tensors": {}, "evil": Evil()}, root / "evil.pt")
    return {"root": root, "home": home, "run": run, "damaged": damaged, "blocker": blocker}


#: (id, arguments with {run}, {damaged}, {blocker}, {root} filled in, exit code, fragments of stderr)
ROWS = [
    ("unknown-model", "train dcgna --data shapes", 1, ["unknown model 'dcgna'", "Did you mean"]),
    ("unknown-dataset", "train vanilla --data rign", 1, ["unknown dataset 'rign'", "Did you mean"]),
    ("missing-folder", "train dcgan --data ./no-such-folder", 1, ["no-such-folder"]),
    ("unknown-setting", "train vanilla --data ring --set hiden=8", 1, ["unknown setting 'hiden'", "Did you mean hidden"]),
    ("set-not-key-value", "train vanilla --data ring --set hidden", 1, ["--set takes key=value"]),
    ("set-lr-text", "train vanilla --data ring --set lr=abc", 1, ["lr must be a number, not 'abc'"]),
    ("set-hidden-fraction", "train vanilla --data ring --set hidden=1.5", 1, ["hidden must be a whole number"]),
    ("set-threads-text", "train vanilla --data ring --set threads=abc", 1, ["threads must be a positive integer"]),
    ("set-ema-maybe", "train vanilla --data ring --set ema=maybe", 1, ["ema must be true or false, not 'maybe'"]),
    ("set-latent-zero", "train vanilla --data ring --set latent_dim=0", 1, ["latent_dim must be a positive integer"]),
    ("image-size-37", "train dcgan --data shapes --image-size 37", 1, ["16, 32, 64 or 128 px"]),
    ("image-size-negative", "train dcgan --data shapes --image-size -8", 1, ["image_size must be a positive integer"]),
    ("image-size-zero", "train dcgan --data shapes --image-size 0", 1, ["image_size must be a positive integer"]),
    ("epochs-negative", "train vanilla --data ring --epochs -1", 1, ["epochs must be a positive number"]),
    ("steps-zero", "train vanilla --data ring --steps 0", 1, ["steps must be a positive integer"]),
    ("steps-and-epochs", "train vanilla --data ring --steps 5 --epochs 1", 1, ["either steps or epochs"]),
    ("precision-choice", "train vanilla --data ring --precision fp8", 2, ["fp8"]),
    ("model-data-mismatch", "train cyclegan --data ring", 1, ["Compatible datasets"]),
    ("resume-other-data", "train --resume {run} --data grid", 1, ["trained on 'ring', not 'grid'"]),
    ("resume-other-model", "train dcgan --resume {run}", 1, ["is a run of", "not 'dcgan'"]),
    ("resume-architecture", "train --resume {run} --steps 40 --set hidden=8", 1, ["cannot change hidden (128 -> 8)"]),
    ("resume-not-a-run", "train --resume {root}", 1, ["is not a ganzoo run folder"]),
    ("resume-missing-file", "train --resume {run}/checkpoints/step-000099.pt", 2, ["does not exist"]),
    ("resume-damaged-last", "train --resume {damaged} --steps 40", 1,
     ["is damaged or truncated", "newest intact checkpoint is", "step-000010.pt"]),
    ("train-out-unwritable", "train vanilla --data ring --steps 2 --out {blocker}/runs", 1, ["cannot write", "a-file"]),
    ("sample-out-unwritable", "sample {run} --out {blocker}/x.png", 1, ["cannot write"]),
    ("sample-labels-unconditional", "sample {run} --labels 1 --out {root}/x.png", 1, ["unconditional"]),
    ("sample-translator", "sample cyclegan.sketches2photos --out {root}/x.png", 1, ["translate"]),
    ("sample-unknown-weights", "sample vanilla.nosuch --out {root}/x.png", 1, ["vanilla.nosuch"]),
    ("sample-truncation-zero", "sample dcgan.shapes --truncation 0 --out {root}/x.png", 1, ["--truncation must be"]),
    ("sample-labels-unconditional-images", "sample dcgan.shapes --labels 1 --out {root}/x.png", 1, ["unconditional"]),
    ("train-set-data", "train vanilla --data ring --set data=grid --steps 2", 2, ["data is not a setting"]),
    ("sample-unsafe-pickle", "sample {root}/evil.pt --out {root}/x.png", 1,
     ["could run code"]),
    ("export-out-unwritable", "export {run} --tag t --out {blocker}/w.safetensors --no-metrics", 1, ["cannot write"]),
    ("export-bad-tag", "export {run} --tag Bad.Tag --out {root}/w.safetensors --no-metrics", 1, ["weights tag"]),
    ("eval-unfit-metric", "eval {run} --metrics fid", 1, ["fid"]),
    ("eval-out-unwritable", "eval {run} -n 200 --out {blocker}/scores.json", 1,
     ["scores above were not written", "modes_covered"]),  # computed scores are shown, not lost
    ("data-check-missing", "data check {root}/no-such-folder", 1, ["no-such-folder"]),
    ("translate-out-unwritable", "translate cyclegan.sketches2photos --input {root}/sketch.png --out {blocker}/t", 1,
     ["cannot write"]),
    ("translate-not-a-translator", "translate {run} --input {root} --out {root}/t", 1, ["not an image-to-image model"]),
]


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_fault_table(world: dict[str, Path], row: tuple) -> None:
    _, args, code, fragments = row
    filled = args.format(**{k: str(v) for k, v in world.items()})
    run_before, cache_before = snapshot(world["run"]), snapshot(world["home"] / "weights")
    done = ganzoo_cli(*filled.split(), home=world["home"], cwd=world["root"])
    assert done.returncode == code, f"exit {done.returncode}, stderr:\n{done.stderr[-3000:]}"
    for fragment in fragments:  # messages go to stderr; what was computed anyway to stdout
        assert fragment in done.stderr + done.stdout, f"{fragment!r} not in:\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr and "weights_only=False" not in done.stderr
    assert snapshot(world["run"]) == run_before  # nothing lost or changed
    cache_after = snapshot(world["home"] / "weights")  # verified downloads may be added, nothing else
    assert {k: cache_after.get(k) for k in cache_before} == cache_before
    assert not (world["root"] / "pwned").exists()


def test_full_disk_during_a_checkpoint_keeps_the_previous_one_and_resume_works(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes every write past the limit fail as a full disk does (EFBIG)."""
    home, out = tmp_path / "home", tmp_path / "runs"
    first = ganzoo_cli("train", "vanilla", "--data", "ring", "--steps", "10", "--checkpoint-every", "10", "--set",
                       "sample_every=1000", "--out", str(out), "--quiet", home=home, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (run,) = out.iterdir()
    kept = snapshot(run / "checkpoints")
    size = (run / "checkpoints" / "step-000010.pt").stat().st_size
    full = ganzoo_cli("train", "--resume", str(run), "--steps", "20", "--quiet", home=home, cwd=tmp_path,
                      limit_file_bytes=size // 2)
    assert full.returncode == 1 and "Traceback" not in full.stderr, full.stderr[-3000:]
    assert "cannot write" in full.stderr and "step-000020.pt" in full.stderr
    assert snapshot(run / "checkpoints") == kept  # the previous checkpoint survives, no temporary file left
    again = ganzoo_cli("train", "--resume", str(run), "--steps", "20", "--quiet", home=home, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (run / "checkpoints" / "step-000020.pt").is_file()


def test_two_runs_started_at_once_get_their_own_folders(tmp_path: Path) -> None:
    env = {**os.environ, **ENV, "GANZOO_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "ring", "--steps", "30", "--quiet",
           "--checkpoint-every", "30", "--out", str(tmp_path / "runs")]
    procs = [subprocess.Popen([*cmd, "--seed", str(seed)], env=env, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2
    seeds = sorted(__import__("json").loads((r / "config.json").read_text())["config"]["seed"] for r in runs)
    assert seeds == [1, 2]
    for r in runs:
        steps = [__import__("json").loads(x)["step"] for x in (r / "metrics.jsonl").read_text().splitlines()]
        assert steps == sorted(set(steps))  # no run's rows written twice


@pytest.mark.parametrize("nproc", [1, 2])
def test_an_error_inside_a_plugins_training_step_is_one_line(tmp_path: Path, fixture_site, nproc: int) -> None:
    """A bug in plugin code (not bad input) still ends in one line that names where it came
    from and how to see the traceback, and the run keeps what it had saved."""
    fixture_site("ganzoo-fixture-models")
    env = {"GANZOO_LOAD_PLUGINS": "ganzoo-fixture-models"}
    done = ganzoo_cli("train", "tinygan", "--data", "ring", "--steps", "20", "--checkpoint-every", "5", "--nproc",
                      str(nproc), "--set", "fail_at_step=12", "--out", str(tmp_path / "runs"), "--quiet",
                      home=tmp_path / "home", cwd=tmp_path, extra_env=env)
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert "RuntimeError" in lines[0] and "ganzoo_fixture_models" in lines[0] and "--traceback" in lines[0], lines
    assert "Traceback" not in done.stderr
    assert list((tmp_path / "runs").glob("tinygan-ring-*/checkpoints/step-000010.pt"))  # saved work is kept
