"""The package's folders are layers, and no module imports a layer above its own.

From the bottom: the shared modules at the top of the package (errors,
compat, display, processes), ``checks`` (its ``harness`` below its
families), ``tools``, ``course``, ``grading``, ``commands``. The package's
``__init__`` and ``__main__`` stand above them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import netcourse

PACKAGE = Path(netcourse.__file__).resolve().parent
LAYERS = ["", "checks.harness", "checks", "tools", "course", "grading", "commands"]


PREFIXES = [tuple(layer.split(".")) if layer else () for layer in LAYERS]


def layer_of(module: str) -> int:
    """The rank of ``netcourse.x.y``: that of the longest layer prefix its name starts with."""
    parts = tuple(module.split(".")[1:])
    return max((len(p), rank) for rank, p in enumerate(PREFIXES) if parts[: len(p)] == p)[1]


def imported_modules(path: Path, module: str) -> set[str]:
    """Every netcourse module ``path`` imports, absolute or relative, at any depth of the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "netcourse"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "netcourse":
                found.add(target)
    return found


MODULES = {
    "netcourse."
    + ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__"): p
    for p in sorted(PACKAGE.rglob("*.py"))
    if p.name not in ("__main__.py",) and p.relative_to(PACKAGE) != Path("__init__.py")
}


def test_the_layers_are_what_the_docs_say():
    assert layer_of("netcourse.errors") == 0
    assert layer_of("netcourse.checks.harness.core") == 1
    assert layer_of("netcourse.checks.echo.probes") == 2
    assert layer_of("netcourse.tools.load") == 3
    assert layer_of("netcourse.commands.grade") == 6


@pytest.mark.parametrize("module", sorted(MODULES), ids=sorted(MODULES))
def test_no_module_imports_a_layer_above_its_own(module):
    rank = layer_of(module)
    above = sorted(
        target
        for target in imported_modules(MODULES[module], module)
        if target != "netcourse" and layer_of(target) > rank
    )
    assert not above, f"{module} (layer {LAYERS[rank] or 'shared'}) imports from above: {above}"
