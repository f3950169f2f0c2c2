"""Reading a submitted notebook safely, and the copy of it that is graded.

The submitted file is only read. What nbgrader grades is a sanitised copy in
scratch space: cells a student duplicated by accident no longer make nbgrader
reject the whole notebook.
"""

from __future__ import annotations

import json
import uuid
import warnings
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from ..course.cells import grade_id, is_test_cell

MAX_NOTEBOOK_BYTES = 100 * 2**20


class NotGradable(Exception):
    """The file cannot be graded as this assignment's notebook; the message says why."""


def read_submission(path: Path, source_ids: frozenset[str]) -> NotebookNode:
    """The notebook in ``path``, or NotGradable with a one-line reason."""
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise NotGradable(
            f"{path.name} is {size >> 20} MiB, over the {MAX_NOTEBOOK_BYTES >> 20} MiB limit"
        )
    try:
        text = path.read_bytes().decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotGradable(f"{path.name} is not valid JSON ({exc})") from None
    try:
        with warnings.catch_warnings():  # duplicate cell ids: sanitized() mends them
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotGradable(f"{path.name} is not a Jupyter notebook ({first})") from None
    ids = {grade_id(cell) for cell in notebook.cells} - {None}
    if ids and not ids & source_ids:
        raise NotGradable(
            f"{path.name} has none of this assignment's cells: is it another assignment's notebook?"
        )
    return notebook


def sanitized(notebook: NotebookNode) -> NotebookNode:
    """A copy nbgrader accepts: cell ids unique, each grade id on one cell only.

    A duplicated test cell is dropped (nbgrader restores test cells from the
    source anyway); a duplicated answer cell stays, as an ordinary code cell,
    so that every cell the student wrote still runs in order.
    """
    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    seen_ids: set[str] = set()
    seen_grades: set[str] = set()
    cells = []
    for cell in copy.cells:
        grade = grade_id(cell)
        if grade is not None and grade in seen_grades:
            if is_test_cell(cell):
                continue
            del cell.metadata["nbgrader"]
        elif grade is not None:
            seen_grades.add(grade)
        if cell.get("id") in seen_ids or "id" not in cell:
            cell["id"] = uuid.uuid4().hex[:8]
        seen_ids.add(cell["id"])
        cells.append(cell)
    copy.cells = cells
    return copy
