"""A run is resolved once: ``ganzoo train`` looks its model up, layers its config and loads its
data once each; the ``--nproc`` ranks read their launcher's plan instead of resolving it again;
a plan is frozen and refuses before any data is drawn."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

import ganzoo
from ganzoo.cli import main
from ganzoo.registry import Registry
from ganzoo.training import config as config_module
from ganzoo.training.plan import RunPlan, plan_run

pytestmark = pytest.mark.usefixtures("models_host")


@contextmanager
def counted_calls(**functions: object) -> Iterator[Counter]:
    """Count every call of each function's code, wherever it was imported into (a profiler, so
    that no call site can hide behind ``from x import y``)."""
    codes = {f.__code__: name for name, f in functions.items()}  # type: ignore[attr-defined]
    counts: Counter = Counter()

    def profile(frame, event, arg):  # noqa: ANN001 - sys.setprofile's signature
        if event == "call" and frame.f_code in codes:
            counts[codes[frame.f_code]] += 1

    sys.setprofile(profile)
    threading.setprofile(profile)
    try:
        yield counts
    finally:
        sys.setprofile(None)
        threading.setprofile(None)


def test_ganzoo_train_resolves_model_config_and_data_once_each(tmp_path: Path) -> None:
    import ganzoo.data

    with counted_calls(model=Registry.get_model, config=config_module.layered, data=ganzoo.data.load) as counts:
        result = CliRunner().invoke(main, ["train", "tinygan", "--data", "ring", "--steps", "4", "--quiet",
                                           "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert counts == Counter(model=1, config=1, data=1), counts


def test_a_resume_resolves_them_once_each_too(tmp_path: Path) -> None:
    import ganzoo.data

    first = ganzoo.train("tinygan", "ring", steps=4, out=tmp_path, quiet=True)
    with counted_calls(model=Registry.get_model, config=config_module.layered, data=ganzoo.data.load) as counts:
        result = CliRunner().invoke(main, ["train", "--resume", str(first.dir), "--steps", "8", "--quiet"])
    assert result.exit_code == 0, result.output
    assert counts == Counter(model=1, config=1, data=1), counts


def test_a_plan_is_frozen_and_survives_the_trip_to_a_rank(tmp_path: Path) -> None:
    plan = ganzoo.plan("tinygan", "ring", steps=7, out=tmp_path)
    with pytest.raises(TypeError):
        plan.config["steps"] = 8  # type: ignore[index]
    with pytest.raises(AttributeError):
        plan.data = "grid"  # type: ignore[misc]
    again = RunPlan.read(plan.write(tmp_path / "plan.json"), ganzoo.get_registry())
    assert (again.spec, dict(again.config), again.data, again.data_kind, again.out, again.folder_name) == \
        (plan.spec, dict(plan.config), plan.data, plan.data_kind, plan.out, plan.folder_name)
    assert plan.folder_name == "tinygan-ring" and plan.config["steps"] == 7


def test_every_refusal_comes_while_planning(tmp_path: Path) -> None:
    with pytest.raises(ganzoo.GanzooError, match="unknown setting 'hiddn'"):
        plan_run("tinygan", "ring", settings={"hiddn": 8})
    with pytest.raises(ganzoo.GanzooError, match="does not exist"):
        plan_run("tinygan", str(tmp_path / "missing"))
    with pytest.raises(ganzoo.GanzooError, match="name a model"):
        plan_run(None, "ring")
    (tmp_path / "few").mkdir()
    from PIL import Image

    for i in range(3):
        Image.new("RGB", (8, 8)).save(tmp_path / "few" / f"{i}.png")
    with pytest.raises(ganzoo.DataError, match="fewer than one batch of 4"):
        plan_run("tinygan", str(tmp_path / "few"), settings={"batch_size": 4, "image_size": 8})


def test_train_takes_a_plan_and_only_its_settings(tmp_path: Path) -> None:
    plan = ganzoo.plan("tinygan", "ring", steps=3, out=tmp_path)
    with pytest.raises(TypeError, match="plan's own settings"):
        ganzoo.train(plan, steps=5)
    run = ganzoo.train(plan, quiet=True)
    assert run.step == 3 and run.dir.parent == tmp_path and run.dir.name.startswith("tinygan-ring-")
