"""What a resume may change: the run's length, lr (taking effect), how it executes;
not its model, data or architecture. The lr schedule keeps its length unless a warm
restart is asked for. ``--resume`` of a checkpoint file uses exactly that file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ganzoo
from ganzoo.artifacts.checkpoint import load as load_checkpoint
from ganzoo.training.config import ConfigError

pytestmark = pytest.mark.usefixtures("models_host")
QUICK = dict(quiet=True, sample_every=10**6, checkpoint_every=10, log_every=5)


def lrs(run_dir: Path) -> dict[int, float]:
    return {r["step"]: r["lr"] for r in map(json.loads, (run_dir / "metrics.jsonl").read_text().splitlines())}


def test_a_new_lr_takes_effect_and_is_recorded(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path, steps=10, **QUICK)
    resumed = ganzoo.train(resume=run.dir, steps=20, lr=5e-4, quiet=True)
    assert lrs(resumed.dir)[10] == 1e-3 and lrs(resumed.dir)[20] == 5e-4
    state = load_checkpoint(resumed.dir / "checkpoints/last.pt")
    assert state["optimizers"]["G"]["param_groups"][0]["lr"] == 5e-4
    record = json.loads((resumed.dir / "config.json").read_text())
    assert record["config"]["lr"] == 5e-4
    assert record["resumes"] == [{**record["resumes"][0], "step": 10, "changed": {"lr": [1e-3, 5e-4], "steps": [10, 20]}}]


def test_a_resume_refuses_another_model_data_or_architecture(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path, steps=10, **QUICK)
    with pytest.raises(ConfigError, match="is a run of .*tinygan.*not 'tinytranslate'"):
        ganzoo.train("tinytranslate", resume=run.dir, steps=20, quiet=True)
    with pytest.raises(ConfigError, match="trained on 'ring', not 'grid'"):
        ganzoo.train(data="grid", resume=run.dir, steps=20, quiet=True)
    with pytest.raises(ConfigError, match=r"cannot change hidden \(32 -> 8\)"):
        ganzoo.train(resume=run.dir, steps=20, hidden=8, quiet=True)
    assert load_checkpoint(run.dir / "checkpoints/last.pt")["step"] == 10  # nothing was touched


def test_resume_of_a_checkpoint_file_uses_that_file(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path, steps=30, keep_checkpoints=5, **QUICK)
    resumed = ganzoo.train(resume=run.dir / "checkpoints" / "step-000010.pt", steps=20, quiet=True)
    assert resumed.dir == run.dir and json.loads((run.dir / "config.json").read_text())["resumes"][0]["step"] == 10
    assert [r["step"] for r in map(json.loads, (run.dir / "metrics.jsonl").read_text().splitlines())] == [5, 10, 15, 20]


def test_a_longer_resume_stretches_the_decay_so_the_extra_steps_learn(tmp_path: Path) -> None:
    settings = dict(QUICK, lr_schedule="linear-decay", lr_decay_start=0.5)
    run = ganzoo.train("tinygan", "ring", out=tmp_path / "a", steps=20, **settings)
    assert lrs(run.dir)[20] == 0.0
    stretched = ganzoo.train(resume=run.dir, steps=40, quiet=True)
    steps = lrs(stretched.dir)  # the plan over 40 steps: constant to 20, then down to zero at 40
    assert steps[25] == pytest.approx(1e-3 * 0.75) and steps[35] == pytest.approx(1e-3 * 0.25) and steps[40] == 0.0
    assert "stretched from 20 to 40" in json.loads((stretched.dir / "config.json").read_text())["resumes"][0]["note"]
    other = ganzoo.train("tinygan", "ring", out=tmp_path / "b", steps=20, **settings)
    restarted = ganzoo.train(resume=other.dir, steps=40, lr_restart=True, quiet=True)
    steps = lrs(restarted.dir)
    assert steps[25] == pytest.approx(1e-3) and 0 < steps[35] < 1e-3 and steps[40] == 0.0


def test_a_resume_may_end_a_constant_rate_run_with_a_decay_from_its_own_step(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path, steps=20, **QUICK)
    decayed = ganzoo.train(resume=run.dir, steps=40, lr_schedule="linear-decay", lr_decay_start=0.0, quiet=True)
    steps = lrs(decayed.dir)  # the base rate up to the resume, then down to zero over its 20 steps
    assert steps[20] == 1e-3 and steps[30] == pytest.approx(0.5e-3) and steps[40] == 0.0
    resumed = json.loads((decayed.dir / "config.json").read_text())["resumes"][0]
    assert resumed["changed"]["lr_schedule"] == ["constant", "linear-decay"]
    assert "linear-decay schedule from step 20 to step 40" in resumed["note"]


def test_runs_started_together_never_share_a_folder(tmp_path: Path) -> None:
    from ganzoo.training import rundir

    claimed = {rundir.claim(tmp_path, "m-d") for _ in range(3)}  # the same second
    assert len(claimed) == 3 and all(p.is_dir() for p in claimed)


def test_a_live_run_is_locked_and_a_dead_holders_lock_is_taken_over(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    run = ganzoo.train("tinygan", "ring", out=tmp_path, steps=10, **QUICK)
    assert not (run.dir / ".lock").exists()  # released at the end
    (run.dir / ".lock").write_text(f"{os.getppid()}\n")  # a live process holds it
    with pytest.raises(ganzoo.GanzooError, match=f"in use by process {os.getppid()}"):
        ganzoo.train(resume=run.dir, steps=20, quiet=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (run.dir / ".lock").write_text(gone.stdout)  # its process has exited: stale
    (run.dir / "checkpoints" / ".step-000020.pt.abc.tmp").write_bytes(b"half")  # a killed writer's leftover
    assert ganzoo.train(resume=run.dir, steps=20, quiet=True).step == 20
    assert not list((run.dir / "checkpoints").glob(".*.tmp")) and not (run.dir / ".lock").exists()


def test_a_run_killed_before_last_pt_was_repointed_resumes_from_its_newest_checkpoint(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path, steps=20, **QUICK)
    last = run.dir / "checkpoints" / "last.pt"
    last.unlink()
    import os

    os.link(run.dir / "checkpoints" / "step-000010.pt", last)  # as if killed right after writing step 20
    resumed = ganzoo.train(resume=run.dir, steps=30, quiet=True)
    assert json.loads((resumed.dir / "config.json").read_text())["resumes"][0]["step"] == 20


def test_a_setting_added_later_resumes_and_loads_with_its_legacy_value() -> None:
    """A model adds a setting whose new default changes what it builds; runs saved before it
    existed resume (and load) with the spec's ``legacy`` value, new runs get the default."""
    from ganzoo.errors import RegistrationError
    from ganzoo.specs import ModelSpec
    from ganzoo.training.config import layered

    spec = ModelSpec("m", "a model", "unconditional", "x.y:Z", defaults={"mode": "new", "width": 8},
                     legacy={"mode": "old"})
    saved = layered(spec, saved=None, file_layer={}, overrides={})
    old_run = {k: v for k, v in saved.items() if k != "mode"}
    assert saved["mode"] == "new"
    assert layered(spec, saved=old_run, file_layer={}, overrides={})["mode"] == "old"
    assert layered(spec, saved=saved, file_layer={}, overrides={})["mode"] == "new"
    assert layered(spec, saved=old_run, file_layer={}, overrides={"mode": "new"})["mode"] == "new"
    with pytest.raises(RegistrationError, match="legacy settings \\['colour'\\] are not among its defaults"):
        ModelSpec("m", "a model", "unconditional", "x.y:Z", defaults={"mode": "new"}, legacy={"colour": 1})

