"""Reading and running the course's notebooks in tests."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

import netcourse
from netcourse.course.cells import grade_id

CELL_TIMEOUT = 300


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def execute(path: Path, allow_errors: bool) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel, in its own folder, as a student would."""
    notebook = read(path)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def stderr_text(cell) -> str:
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.output_type == "stream" and o.get("name") == "stderr"
    )


def load_answers(path: Path, *grade_ids: str) -> dict:
    """Run the answer cells with these grade ids, in one fresh namespace, and return it.

    From solutions/ that gives the reference answers, from notebooks/ the
    starter stubs a student begins with: the tests check both as they are.
    """
    cells = {grade_id(c): c.source for c in read(path).cells}
    namespace: dict = {"__name__": f"answers_{path.stem.replace('-', '_')}", "nc": netcourse}
    for wanted in grade_ids:
        exec(compile(cells[wanted], f"{path.name}:{wanted}", "exec"), namespace)
    return namespace
