"""The scoring rule for test cells: a pass is a cell whose only output is its check's report.

nbgrader gives a test cell full points when an ``execute_result`` comes
before its error, so student code that displays a value while a check calls
it (``sys.displayhook('graded')``) turned a failure into a pass. The course's
test cells print a report and raise on failure; they never display anything.
So a test cell with any output other than text on stdout scores 0: an error,
anything on stderr, a displayed value or displayed data (which, in a test
cell, only student code can have produced).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nbgrader.preprocessors import SaveAutoGrades

from ..course.cells import grade_id, is_test_cell


def foreign_outputs(cell: Mapping[str, Any]) -> list[str]:
    """What in a test cell's outputs rules out a pass, one short phrase each."""
    found = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream" and output.get("name") == "stdout":
            continue
        if kind == "stream":
            found.append(f"output on {output.get('name')}")
        elif kind == "error":
            found.append(f"an error ({output.get('ename')})")
        elif kind == "execute_result":
            found.append("a displayed value its code does not produce")
        else:
            found.append("displayed data its code does not produce")
    return list(dict.fromkeys(found))


def overruled(cells: list[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Test cells that nbgrader's own rule would pass but this one fails, with why."""
    from nbformat import from_dict
    from nbgrader.utils import determine_grade

    found = {}
    for cell in filter(is_test_cell, cells):
        reasons = foreign_outputs(cell)
        if reasons and determine_grade(from_dict(dict(cell)))[0]:
            found[grade_id(cell) or "?"] = reasons
    return found


class StrictSaveAutoGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, with this module's rule for test cells."""

    def _add_score(self, cell, resources) -> None:
        super()._add_score(cell, resources)
        if is_test_cell(cell) and foreign_outputs(cell):
            grade = self.gradebook.find_grade(
                grade_id(cell), self.notebook_id, self.assignment_id, self.student_id
            )
            grade.auto_score = 0.0
            self.gradebook.db.commit()
