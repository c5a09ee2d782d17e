"""Meta-tests: every hook in the contract is documented and tested; every command documented."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from ganzoo import hookspecs
from ganzoo.cli import COMMANDS

REPO = Path(__file__).resolve().parents[1]
HOOKS = sorted(n for n in dir(hookspecs) if n.startswith("ganzoo_"))


def signature(name: str) -> str:
    params = inspect.signature(getattr(hookspecs, name)).parameters
    return f"{name}({', '.join(params)})"


def test_hooks_exist() -> None:
    assert len(HOOKS) >= 10


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_signature(hook: str) -> None:
    docs = (REPO / "docs" / "plugins.md").read_text()
    assert f"### `{signature(hook)}`" in docs, f"docs/plugins.md needs a '### `{signature(hook)}`' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    sources = [p.read_text() for p in REPO.glob("tests/**/test_*.py")]
    sources += [p.read_text() for p in REPO.glob("plugins/*/tests/test_*.py")]
    assert any(re.search(rf"def test_hook_{hook}\b", s) for s in sources), f"write test_hook_{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_one_line_docstring(hook: str) -> None:
    doc = getattr(hookspecs, hook).__doc__ or ""
    assert doc.strip() and "\n" not in doc.strip()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_in_the_cli_reference(command: str) -> None:
    docs = (REPO / "docs" / "cli.md").read_text()
    assert f"## `ganzoo {command}" in docs
