"""`ganzoo new-plugin`: every kind it writes trains as written, and the whole path a plugin
author walks (scaffold, pip install into a fresh virtual environment, `ganzoo list`,
`ganzoo train`, the conformance kit) works end to end."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import tomllib

import ganzoo
from ganzoo.cli import scaffold
from ganzoo.host import PluginHost, reset_host


@pytest.mark.parametrize("kind", sorted(scaffold.KINDS))
def test_every_kind_is_a_complete_distribution_that_trains(kind: str, tmp_path: Path, monkeypatch) -> None:
    name = f"my{kind}"
    root = scaffold.write(name, kind, tmp_path)
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["version"] and project["license"] == "MIT"
    assert project["entry-points"]["ganzoo"] == {name: f"ganzoo_{name}.plugin"}
    assert project["dependencies"] == [scaffold.requirement()] and "<" in scaffold.requirement()
    for path in root.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    assert (root / f"ganzoo_{name}" / "weights" / "weights.toml").is_file()
    assert "PluginConformance" in (root / "tests" / f"test_{name}.py").read_text()
    assert (root / "docs" / f"{name}.md").is_file()
    # registered by hand (no install): it builds and trains a few steps on its kind's built-in data
    monkeypatch.syspath_prepend(str(root))
    module = importlib.import_module(f"ganzoo_{name}.plugin")
    assert module.GANZOO_PLUGIN_API == scaffold.api_range()
    previous = reset_host(PluginHost(entry_points=False, extra=[(f"ganzoo-{name}", module)]))
    try:
        data = scaffold.KINDS[kind]["data"]
        run = ganzoo.train(name, data, out=tmp_path / "runs", steps=3, batch_size=8, quiet=True, device="cpu",
                           precision="fp32", sample_every=3, checkpoint_every=3, **scaffold.KINDS[kind]["tiny"])
        assert (run.dir / "checkpoints" / "last.pt").is_file()
    finally:
        reset_host(previous)
        for mod in [m for m in sys.modules if m.startswith(f"ganzoo_{name}")]:
            sys.modules.pop(mod)


def test_an_existing_folder_is_not_overwritten(tmp_path: Path) -> None:
    scaffold.write("twice", "points", tmp_path)
    with pytest.raises(ganzoo.GanzooError, match="exists"):
        scaffold.write("twice", "points", tmp_path)
    with pytest.raises(ganzoo.GanzooError, match="kind"):
        scaffold.files("other", "video")


def fresh_venv(where: Path) -> Path:
    """A virtual environment that sees this one's packages (torch, ganzoo) through a .pth file,
    so installing a plugin into it takes seconds, not a torch download."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "_ganzoo_parent_env.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


@pytest.mark.slow
def test_scaffold_install_list_train_and_kit_in_a_fresh_venv(tmp_path: Path) -> None:
    env = {**os.environ, "GANZOO_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    env.pop("GANZOO_LOAD_PLUGINS", None)

    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(args), capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
        assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr}"
        return done

    python = fresh_venv(tmp_path / "venv")
    run(str(python), "-m", "ganzoo", "new-plugin", "ragan", "--kind", "points", "--dir", str(tmp_path))
    run(str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "-q",
        str(tmp_path / "ganzoo-ragan"))
    listed = run(str(python), "-m", "ganzoo", "list").stdout
    assert "ragan" in listed and "ganzoo-ragan" in listed
    trained = run(str(python), "-m", "ganzoo", "train", "ragan", "--data", "ring", "--steps", "20",
                  "--out", str(tmp_path / "runs"))
    assert list((tmp_path / "runs").glob("ragan-ring-*/checkpoints/last.pt")), trained.stdout
    kit = run(str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path / "ganzoo-ragan")
    assert " passed" in kit.stdout and "failed" not in kit.stdout
