"""The scoring rule: a test cell passes only when all it shows is its check's report."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_output

from netcourse.grading.scoring import foreign_outputs, overruled

TEST = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}


def cell(*outputs):
    return new_code_cell("check()", metadata=TEST, outputs=list(outputs))


REPORT = new_output("stream", name="stdout", text="frame_line: 4 of 4 checks passed\n")
DISPLAYED = new_output("execute_result", data={"text/plain": "'graded'"}, execution_count=1)
ERROR = new_output("error", ename="CheckFailure", evalue="wrong", traceback=[])


def test_a_report_on_stdout_is_a_pass():
    assert foreign_outputs(cell(REPORT)) == []
    assert foreign_outputs(cell()) == []


def test_anything_else_fails_the_cell():
    assert foreign_outputs(cell(REPORT, ERROR)) == ["an error (CheckFailure)"]
    assert foreign_outputs(cell(new_output("stream", name="stderr", text="x"))) == [
        "output on stderr"
    ]
    assert foreign_outputs(cell(DISPLAYED)) == ["a displayed value its code does not produce"]
    shown = new_output("display_data", data={"text/html": "<b>x</b>"})
    assert foreign_outputs(cell(shown)) == ["displayed data its code does not produce"]


def test_a_displayed_value_before_an_error_no_longer_passes():
    """nbgrader's own rule gives this cell full points."""
    faked = cell(DISPLAYED, ERROR)
    honest = cell(ERROR)
    assert overruled([faked, honest]) == {
        "t": ["a displayed value its code does not produce", "an error (CheckFailure)"]
    }
