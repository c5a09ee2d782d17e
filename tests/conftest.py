"""Fixtures for the core's tests: fixture plugins installed as real distributions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURE_PLUGINS = Path(__file__).parent / "plugins"
REPO = Path(__file__).resolve().parents[1]


def install_distribution(site: Path, dist: str, version: str, module: str, entry_point: str) -> None:
    """Write ``module`` and a ``*.dist-info`` with a ``ganzoo`` entry point into ``site``."""
    shutil.copy(FIXTURE_PLUGINS / f"{module}.py", site / f"{module}.py")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[ganzoo]\n{entry_point} = {module}\n")


#: distribution name -> (version, module in tests/plugins, entry-point name)
FIXTURES = {
    "ganzoo-fixture-good": ("1.2.3", "ganzoo_fixture_good", "good"),
    "ganzoo-fixture-broken": ("0.1", "ganzoo_fixture_broken", "broken"),
    "ganzoo-fixture-misspelt": ("0.1", "ganzoo_fixture_misspelt", "misspelt"),
    "ganzoo-fixture-badspec": ("0.1", "ganzoo_fixture_badspec", "badspec"),
    "ganzoo-fixture-twin-a": ("0.1", "ganzoo_fixture_twin_a", "twin-a"),
    "ganzoo-fixture-twin-b": ("0.1", "ganzoo_fixture_twin_b", "twin-b"),
    "ganzoo-fixture-models": ("0.3", "ganzoo_fixture_models", "models"),
    "ganzoo-fixture-losses": ("0.1", "ganzoo_fixture_losses", "losses"),
    "ganzoo-fixture-api12": ("0.1", "ganzoo_fixture_api12", "api12"),
}


@pytest.fixture
def fixture_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Path]]:
    """Install named fixture plugins as distributions on ``sys.path`` (and PYTHONPATH)."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    installed: list[str] = []

    def install(*dists: str) -> Path:
        for dist in dists:
            version, module, ep = FIXTURES[dist]
            install_distribution(site, dist, version, module, ep)
            installed.append(module)
        return site

    yield install
    for module in installed:  # fixture modules hold state (CALLS); never reuse them across tests
        sys.modules.pop(module, None)


@pytest.fixture
def only_fixture_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load only fixture distributions, whatever real plugins the environment has."""
    monkeypatch.setenv("GANZOO_LOAD_PLUGINS", ",".join(FIXTURES))


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_cli(*args)`` runs ``ganzoo ARGS`` in a fresh interpreter (see _run_cli)."""
    return _run_cli


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``ganzoo ARGS`` in a fresh interpreter; report whether torch got imported."""
    code = (
        "import sys\n"
        "from ganzoo.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], prog_name='ganzoo')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "else:\n"
        "    code = 0\n"
        "sys.stderr.write('\\nTORCH_IMPORTED=%s\\n' % ('torch' in sys.modules))\n"
        "sys.exit(code)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        cwd=REPO,
    )


@pytest.fixture
def models_host(fixture_site, only_fixture_plugins):
    """The process-wide plugin host with the fixture model families installed."""
    from ganzoo.host import reset_host

    fixture_site("ganzoo-fixture-models")
    previous = reset_host(None)
    yield
    reset_host(previous)
