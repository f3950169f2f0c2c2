"""nbgrader's preprocessor lists as the course runs them (plain nbgrader and netcourse grade).

nbgrader_config.py uses these for plain ``nbgrader autograde`` and
``generate_feedback``; the grading workers set them again on every scratch
course, so what grading trusts does not depend on a config file.
"""

from __future__ import annotations

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.converters.autograde import Autograde
from nbgrader.preprocessors import (
    ClearHiddenTests,
    Execute,
    GetGrades,
    OverwriteCells,
    SaveAutoGrades,
)

from .execute import BudgetedExecute
from .feedback import HideHiddenTests
from .scoring import StrictSaveAutoGrades


class RestoreHiddenTests(OverwriteCells):
    """nbgrader's OverwriteCells, without a false alarm for each test cell with hidden tests.

    The release's test cells lack their hidden tests, so nbgrader warns of a
    changed checksum for every one of them in every submission as it puts the
    source back. A locked cell exactly as released gets its source back here
    first; any other change is still nbgrader's to report and undo.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int):
        source = self._source_cell(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if source is not None and source.locked and cell.source == released_source(source.source):
            cell.source = source.source
        return super().preprocess_cell(cell, resources, cell_index)

    def _source_cell(self, grade_id: str | None):
        if grade_id is None:
            return None
        try:
            return self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return None


def released_source(source: str) -> str:
    """A test cell's source as the release has it: without its hidden tests."""
    cell = NotebookNode(cell_type="code", source=source, metadata={})
    ClearHiddenTests(enforce_metadata=False).preprocess_cell(cell, {}, 0)
    return cell.source


def sanitize_steps() -> list[type]:
    """nbgrader's steps before autograding a submission, without the false checksum alarms."""
    default = Autograde.class_traits()["sanitize_preprocessors"].default()
    return [RestoreHiddenTests if step is OverwriteCells else step for step in default]


def autograde_steps(execute: type[Execute] = BudgetedExecute) -> list[type]:
    """nbgrader's autograde steps with ``execute`` and the course's scoring rule in them."""
    swaps = {Execute: execute, BudgetedExecute: execute, SaveAutoGrades: StrictSaveAutoGrades}
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [swaps.get(step, step) for step in default]


# Feedback shows scores and the checks' messages but nothing of the instructor's;
# HTMLExporter.sanitize_html must be on as well (nbconvert's own sanitizer).
FEEDBACK_STEPS = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
