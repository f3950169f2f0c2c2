"""Copy the student release into the site's source, marked up for the page.

Only notebooks/ is read, never solutions/: a notebook that still holds a
solution or hidden-test marker is refused. The copies (the release itself is
never touched) get tags the site's CSS labels: ``nc-answer`` on answer cells,
``nc-check`` on check cells; a cell tagged ``skip-execution`` gets a note
saying it was not run when the page was built.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from ..cells import is_test_cell, nbgrader_meta
from ..paths import Course
from ..release import refuse_secrets
from .execute import SKIP_TAG

SKIP_NOTE = (
    ":::{note}\n**Not run when this page was built**: the cell below waits for a person or "
    "runs too long for a build. Run it in JupyterLab to see its output.\n:::"
)


def copy_release(course: Course, target: Path) -> dict[str, list[Path]]:
    """Copy each assignment of notebooks/ to ``target/<assignment>/``; return its notebooks."""
    copied = {}
    for folder in course.released_assignments():
        shutil.copytree(folder, target / folder.name, ignore=shutil.ignore_patterns(".*"))
        copied[folder.name] = sorted((target / folder.name).glob("*.ipynb"))
        for path in copied[folder.name]:
            mark_up(path)
    return copied


def mark_up(path: Path) -> None:
    """Refuse a notebook that is not a student release; tag and annotate the copy."""
    refuse_secrets(path)
    nb = nbformat.read(path, as_version=4)
    cells: list[NotebookNode] = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            tags = cell.metadata.setdefault("tags", [])
            if nbgrader_meta(cell).get("solution"):
                tags.append("nc-answer")
            elif is_test_cell(cell):
                tags.append("nc-check")
            if SKIP_TAG in tags:
                cells.append(nbformat.v4.new_markdown_cell(SKIP_NOTE))
        cells.append(cell)
    nb.cells = cells
    nbformat.write(nb, path)
