"""The official plugins use ganzoo only through its public faces, as a third party's would:
their code imports ``ganzoo.plugin`` alone, and their tests ``ganzoo`` (the API),
``ganzoo.plugin`` and ``ganzoo.testing`` (the conformance kit and its helpers). Every other
module of ganzoo is internal and may change in any release (docs/plugins.md).

Read from the source with ``ast``, imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "ganzoo"
PLUGINS = sorted(p for p in (REPO / "plugins").iterdir() if (p / "pyproject.toml").is_file())

#: what each kind of file may import of ganzoo
PLUGIN_CODE = {"ganzoo.plugin"}
PLUGIN_TESTS = {"ganzoo", "ganzoo.plugin", "ganzoo.testing"}


def is_module(name: str) -> bool:
    """Whether ``name`` (``ganzoo.x.y``) is a module or package of ganzoo."""
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def ganzoo_imports(path: Path) -> list[tuple[str, int]]:
    """(ganzoo module, line) for each import of ganzoo in ``path``; ``from ganzoo import x``
    counts as importing ``ganzoo.x`` where ``x`` is a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [f"{node.module}.{alias.name}" if is_module(f"{node.module}.{alias.name}") else node.module
                     for alias in node.names]
        else:
            continue
        found += [(name, node.lineno) for name in names if name == "ganzoo" or name.startswith("ganzoo.")]
    return found


def private_imports(files: list[Path], allowed: set[str]) -> list[str]:
    return [f"{path.relative_to(REPO)}:{line} imports {name}" for path in files
            for name, line in ganzoo_imports(path) if name not in allowed]


@pytest.mark.parametrize("plugin", PLUGINS, ids=[p.name for p in PLUGINS])
def test_plugin_code_imports_only_ganzoo_plugin(plugin: Path) -> None:
    code = sorted(p for package in plugin.glob("ganzoo_*") if package.is_dir() for p in package.rglob("*.py"))
    assert code, f"{plugin.name} has no ganzoo_* package"
    bad = private_imports(code, PLUGIN_CODE)
    assert not bad, "plugin code imports internal modules (use ganzoo.plugin):\n" + "\n".join(bad)


@pytest.mark.parametrize("plugin", PLUGINS, ids=[p.name for p in PLUGINS])
def test_plugin_tests_import_only_public_faces(plugin: Path) -> None:
    tests = sorted((plugin / "tests").rglob("*.py"))
    assert tests, f"{plugin.name} has no tests"
    bad = private_imports(tests, PLUGIN_TESTS)
    assert not bad, ("plugin tests import internal modules (ganzoo, ganzoo.plugin and ganzoo.testing are "
                     "public; add what a test needs to ganzoo.testing):\n" + "\n".join(bad))


def test_the_check_sees_every_way_of_importing_a_module(tmp_path: Path) -> None:
    source = tmp_path / "test_x.py"
    source.write_text("import ganzoo\nimport ganzoo.data as gdata\nfrom ganzoo import errors, __version__\n"
                      "from ganzoo.testing import judge_images\nimport ganzoo_dcgan.model\n\n\n"
                      "def f():\n    from ganzoo.nn.base import DataInfo\n    from . import sibling\n")
    assert ganzoo_imports(source) == [("ganzoo", 1), ("ganzoo.data", 2), ("ganzoo.errors", 3), ("ganzoo", 3),
                                      ("ganzoo.testing", 4), ("ganzoo.nn.base", 9)]
    assert [name for name, _ in ganzoo_imports(source) if name not in PLUGIN_TESTS] == [
        "ganzoo.data", "ganzoo.errors", "ganzoo.nn.base"]
