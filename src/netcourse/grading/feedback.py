"""What students see in feedback: their scores and the checks' messages, never hidden tests.

nbgrader's feedback shows each test cell as it ran during grading, hidden
tests included, and a traceback can quote their lines. This preprocessor,
configured in nbgrader_config.py for ``generate_feedback``, removes the hidden
part of every test cell's source and cuts every error in a test cell down to
its one-line message (our checkers' messages never contain expected values).
It also drops the guard's seals, which only the grader reads.
"""

from __future__ import annotations

import re

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from ..course.cells import is_test_cell
from .guard import SEAL_MIME

HIDDEN_REGION = re.compile(
    r"^[^\n]*BEGIN HIDDEN TESTS[^\n]*\n.*?^[^\n]*END HIDDEN TESTS[^\n]*(\n|$)",
    re.DOTALL | re.MULTILINE,
)
PLACEHOLDER = "# (hidden tests ran here; they are not shown in feedback)\n"


def without_hidden_tests(source: str) -> str:
    """The source of a test cell with every hidden region replaced by a one-line note."""
    return HIDDEN_REGION.sub(PLACEHOLDER, source)


def _one_line_error(output: NotebookNode) -> None:
    output.traceback = [f"\x1b[0;31m{output.ename}\x1b[0m: {output.evalue}"]


class HideHiddenTests(NbGraderPreprocessor):
    """Strip hidden tests and tracebacks from test cells before feedback is rendered."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if SEAL_MIME not in o.get("data", {})]
        if is_test_cell(cell):
            cell.source = without_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    _one_line_error(output)
        return cell, resources
