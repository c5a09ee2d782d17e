"""docs/tutorial.md, run as written: every `$ ` command of its console blocks in order (``cd``
moves), every titled Python block written to its file (``(append)`` appends), in a fresh
virtual environment that reuses this one's packages. `pip` there adds
``--no-deps --no-build-isolation --no-index``, so nothing is downloaded."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def fresh_venv(where: Path) -> Path:
    """test_scaffold's virtual environment that reuses this one's packages."""
    spec = importlib.util.spec_from_file_location("_scaffold_tests", Path(__file__).with_name("test_scaffold.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fresh_venv(where)
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)


def steps(text: str) -> list[tuple[str, str, str]]:
    """("run", command, "") and ("write"/"append", path, content), in the order the page gives them."""
    found = []
    for lang, info, body in BLOCK.findall(text):
        title = re.search(r'title="([^"]+)"', info)
        if lang == "console":
            found += [("run", line[2:].strip(), "") for line in body.splitlines() if line.startswith("$ ")]
        elif title:
            path = title.group(1)
            found.append(("append", path.removesuffix(" (append)"), body) if path.endswith(" (append)")
                         else ("write", path, body))
    return found


def test_the_tutorial_has_steps_for_every_section() -> None:
    found = steps(TUTORIAL.read_text())
    commands = [c for kind, c, _ in found if kind == "run"]
    assert commands[0].startswith("ganzoo new-plugin") and any(c.startswith("ganzoo export") for c in commands)
    assert {kind for kind, _, _ in found} == {"run", "write", "append"}


@pytest.mark.slow
def test_the_tutorial_runs_as_written(tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    bin_dir = python.parent
    for tool, body in (("ganzoo", f'exec "{python}" -m ganzoo "$@"'),
                       ("pip", f'exec "{python}" -m pip "$@" --no-deps --no-build-isolation --no-index -q')):
        (bin_dir / tool).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HF_HUB_OFFLINE": "1",
           # the session's own home (tests/conftest.py): the digits classifier that scores the export is
           # trained once per session, not once here
           "GANZOO_HOME": os.environ.get("GANZOO_HOME") or str(tmp_path / "home"),
           "PYTHONPATH": "", "VIRTUAL_ENV": str(tmp_path / "venv")}
    env.pop("GANZOO_LOAD_PLUGINS", None)
    cwd = tmp_path / "work"
    cwd.mkdir()
    outputs = {}
    for kind, what, content in steps(TUTORIAL.read_text()):
        if kind != "run":
            with open(cwd / what, "a" if kind == "append" else "w") as handle:
                handle.write(content)
            continue
        if what.startswith("cd "):
            cwd = (cwd / what[3:].strip()).resolve()
            continue
        started = time.perf_counter()
        done = subprocess.run(["bash", "-c", what], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        print(f"{time.perf_counter() - started:6.1f} s  $ {what}")  # shown by pytest -s, or on failure
        assert done.returncode == 0, f"$ {what}\n{done.stdout}\n{done.stderr}"
        outputs[what] = done.stdout
    listed = next(out for cmd, out in outputs.items() if cmd.startswith("ganzoo list"))
    assert "ragan" in listed
    assert "relativistic-average" in outputs["ganzoo losses"]
    assert "ragan.digits *" in outputs["ganzoo weights list ragan"]
    assert (cwd / "digits.png").is_file() and (cwd / "ns.png").is_file()
    wheel = next((cwd / "dist").glob("ganzoo_ragan-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"ganzoo_ragan/weights/weights.toml", "ganzoo_ragan/weights/ragan-digits.safetensors"} <= set(names)
