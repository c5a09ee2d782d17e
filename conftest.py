"""Test settings shared by the core's tests and every plugin's tests.

The suite runs on pytest-xdist workers (``-n auto`` in pyproject.toml). Each worker is
pinned to its own share of the CPU cores, so two workers on a 2-core machine each train
on one thread, side by side, instead of four threads fighting over two cores; the
subprocesses a test starts inherit its worker's cores."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# timm/huggingface would otherwise retry a download for ~46 s before failing.
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _pin_this_worker() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not worker.startswith("gw") or count < 2 or not hasattr(os, "sched_setaffinity"):
        return
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < count:
        return
    index = int(worker[2:])
    share = len(cores) // count
    os.sched_setaffinity(0, set(cores[index * share:(index + 1) * share]))
    import torch  # lazy: only workers pin; torch may have sized its thread pool before the pinning

    torch.set_num_threads(share)


_pin_this_worker()


@pytest.fixture(scope="session")
def ganzoo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test session's GANZOO_HOME (overrides the conformance kit's fixture of that name, so
    core and plugin tests share one). Parallel workers share it too: the cache builds each
    entry once, under a lock, so a judge network or a drawn dataset is made once per session."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        home = tmp_path_factory.getbasetemp().parent / "ganzoo-home"
        home.mkdir(exist_ok=True)
        return home
    return tmp_path_factory.mktemp("ganzoo-home")


@pytest.fixture(autouse=True, scope="session")
def isolated_ganzoo_home(ganzoo_home: Path) -> Iterator[Path]:
    """Caches and downloads of the test session never touch the user's GANZOO_HOME."""
    previous = os.environ.get("GANZOO_HOME")
    os.environ["GANZOO_HOME"] = str(ganzoo_home)
    yield ganzoo_home
    if previous is None:
        os.environ.pop("GANZOO_HOME", None)
    else:
        os.environ["GANZOO_HOME"] = previous
