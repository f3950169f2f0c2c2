"""The course's notebooks: clean as committed, in sync, solutions pass, blanks fail."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from netcourse.course.cells import is_test_cell, nbgrader_meta

from .conftest import ROOT, run_netcourse
from .notebook_tools import errors, execute, read, stderr_text

SOURCES = sorted((ROOT / "solutions").glob("*/*.ipynb"))
RELEASED = sorted((ROOT / "notebooks").glob("*/*.ipynb"))
ALL = SOURCES + RELEASED
IMPORT_LINE = "import netcourse as nc"


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def test_every_source_has_a_release():
    assert SOURCES, "no solution notebooks found"
    assert [p.relative_to(ROOT / "solutions") for p in SOURCES] == [
        p.relative_to(ROOT / "notebooks") for p in RELEASED
    ]
    for path in SOURCES:
        assert path.stem == path.parent.name, f"{path}: the notebook is named after its folder"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_committed_notebooks_carry_no_outputs(path):
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has outputs: strip them"
            assert cell.execution_count is None, f"{path.name} cell {index} has an execution count"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_notebook_house_rules(path):
    cells = read(path).cells
    code = [c for c in cells if c.cell_type == "code"]
    assert code and code[0].source == IMPORT_LINE, f"the first code cell must be `{IMPORT_LINE}`"
    for cell in code:
        assert not re.search(r"^\s*from\s+\S+\s+import\s+\*", cell.source, re.M), "star import"
        assert not re.search(r"^\s*[!%]?\s*pip\s+install", cell.source, re.M), "pip in a cell"
    grade_ids = [nbgrader_meta(c)["grade_id"] for c in cells if nbgrader_meta(c)]
    assert len(grade_ids) == len(set(grade_ids)), "grade ids must be unique"
    for cell in filter(is_test_cell, cells):
        assert cell.source.startswith('"""'), "a test cell opens with a one-line docstring"
        assert nbgrader_meta(cell).get("points", 0) > 0


@pytest.mark.parametrize("path", RELEASED, ids=ids(RELEASED))
def test_released_notebooks_hide_solutions_and_hidden_tests(path):
    text = path.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text


@pytest.mark.slow
def test_release_is_in_sync_with_solutions():
    result = run_netcourse("release", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_solution_runs_clean_and_passes_every_test(path):
    notebook = execute(path, allow_errors=False)
    for cell in filter(is_test_cell, notebook.cells):
        grade_id = nbgrader_meta(cell)["grade_id"]
        assert not stderr_text(cell), f"{grade_id} wrote to stderr, which nbgrader scores 0"


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASED, ids=ids(RELEASED))
def test_blank_release_fails_every_test_as_not_attempted(path):
    notebook = execute(path, allow_errors=True)
    tests = list(filter(is_test_cell, notebook.cells))
    assert tests
    for cell in tests:
        grade_id = nbgrader_meta(cell)["grade_id"]
        found = errors(cell)
        assert found, f"{grade_id} passed on the blank notebook"
        assert found[0].ename == "NotAttempted", f"{grade_id}: {found[0].ename}: {found[0].evalue}"


def _code(path):
    return "\n".join(c.source for c in read(path).cells if c.cell_type == "code")


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_notebooks_reach_the_package_only_as_nc(path):
    found = re.findall(r"^\s*(?:from\s+netcourse\b.*|import\s+netcourse\..*)$", _code(path), re.M)
    assert not found, f"use `nc.<name>` after `import netcourse as nc`, not: {found}"


def test_every_nc_name_the_notebooks_use_resolves_in_a_fresh_interpreter():
    names = sorted({m for p in SOURCES for m in re.findall(r"\bnc(?:\.\w+)+", _code(p))})
    assert "nc.checks.expect_returns" in names
    probe = (
        "import functools, sys\n"
        "import netcourse as nc\n"
        "def resolves(dotted):\n"
        "    try:\n"
        "        functools.reduce(getattr, dotted.split('.')[1:], nc)\n"
        "    except AttributeError:\n"
        "        return False\n"
        "    return True\n"
        "print([name for name in sys.argv[1:] if not resolves(name)])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *names], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"names the notebooks use that do not resolve: {result}"
