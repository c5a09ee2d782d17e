"""The import-layers contract (docs/design.md): imports only point down, and an import
inside a function is there only to keep torch (or another heavy library) off the
CLI's fast path, which a ``# lazy:`` comment on it says (or, for modules that are
lazy as a whole, the CLI's commands and the package's API, one ``# lazy-module:`` line).

Read from the source with ``ast``, imports inside functions included, so a cycle
hidden by a function-level import fails here as it would fail a reader.
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ganzoo"

#: top to bottom; a module may import its own layer and the layers below it
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("cli", ("ganzoo.cli", "ganzoo.cli.*", "ganzoo.__main__")),
    ("api", ("ganzoo", "ganzoo.testing", "ganzoo.conformance", "ganzoo.kit_helpers", "ganzoo.plugin")),
    ("services", ("ganzoo.services", "ganzoo.services.*")),
    ("training", ("ganzoo.training", "ganzoo.training.*")),
    ("artifacts", ("ganzoo.artifacts", "ganzoo.artifacts.*")),
    ("parts", ("ganzoo.metrics", "ganzoo.metrics.*", "ganzoo.data", "ganzoo.data.*", "ganzoo.losses",
               "ganzoo.builtin", "ganzoo.builtin.*")),
    ("nn", ("ganzoo.nn", "ganzoo.nn.*")),
    ("io", ("ganzoo.io", "ganzoo.io.*")),
    ("base", ("ganzoo.registry", "ganzoo.specs", "ganzoo.folder_scan", "ganzoo.host", "ganzoo.hookspecs", "ganzoo.errors", "ganzoo.files",
              "ganzoo.paths", "ganzoo._version", "ganzoo.manifest")),
]


def layer_of(module: str) -> int:
    """The index of the first (highest) layer whose patterns name ``module`` most exactly."""
    exact = [i for i, (_, patterns) in enumerate(LAYERS) if module in patterns]
    if exact:
        return exact[0]
    for i, (_, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, p) for p in patterns):
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported ganzoo module, line, inside a function) for each import in ``path``."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):  # TYPE_CHECKING blocks import nothing at run time
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(n.lineno for sub in node.body for n in ast.walk(sub) if hasattr(n, "lineno"))
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner.update(n.lineno for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.lineno in skip:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            known = modules()
            submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
            names = submodules if len(submodules) == len(node.names) else [*submodules, base]
        known = modules()
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name.startswith("ganzoo") and (name, node.lineno, node.lineno in inner) not in found:
                found.append((name, node.lineno, node.lineno in inner))
    return found


def test_imports_only_point_down() -> None:
    upward = []
    for module, path in sorted(modules().items()):
        mine = layer_of(module)
        for target, line, _ in imports(path, module):
            if target != module and layer_of(target) < mine and not (module == "ganzoo" and target.startswith("ganzoo.")):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({LAYERS[mine][0]}) imports {target} "
                              f"({LAYERS[layer_of(target)][0]})")
    assert not upward, "imports that point up:\n" + "\n".join(upward)


def test_imports_inside_functions_say_why() -> None:
    unexplained = []
    for module, path in sorted(modules().items()):
        lines = path.read_text().splitlines()
        if any(line.startswith("# lazy-module:") for line in lines):  # the lazy CLI and API, as a whole
            continue
        for target, line, inner in imports(path, module):
            here, above = lines[line - 1], lines[line - 2] if line > 1 else ""
            if inner and "# lazy:" not in here and "# lazy:" not in above:
                unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} inside a function")
    assert not unexplained, ("imports inside functions without a `# lazy:` reason (move them to the top, or say "
                             "what they keep off the fast path):\n" + "\n".join(unexplained))


def test_every_module_is_in_a_layer_and_small() -> None:
    big = []
    for module, path in modules().items():
        layer_of(module)
        if len(path.read_text().splitlines()) > 400:
            big.append(f"{path.relative_to(PACKAGE.parent)}")
    assert not big, f"modules over 400 lines (split them by job): {big}"
