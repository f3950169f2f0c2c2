"""Feedback keeps hidden tests hidden: their source and tracebacks never reach students."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from netcourse.grading.feedback import PLACEHOLDER, HideHiddenTests, without_hidden_tests

TEST_CELL = '''"""checks frame_line"""
nc.checks.expect_returns(frame_line, ("",), b"\\n", "visible")
### BEGIN HIDDEN TESTS
nc.checks.expect_returns(frame_line, ("secret input",), b"secret expected", "why")
### END HIDDEN TESTS
print("after")
'''


def test_hidden_regions_are_replaced_by_a_note():
    stripped = without_hidden_tests(TEST_CELL)
    assert "secret" not in stripped and "HIDDEN" not in stripped
    assert PLACEHOLDER in stripped
    assert stripped.startswith('"""checks frame_line"""') and stripped.endswith('print("after")\n')
    assert without_hidden_tests("no markers\n") == "no markers\n"


def test_test_cells_lose_hidden_source_and_tracebacks_but_other_cells_keep_theirs():
    meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}
    error = new_output(
        "error", ename="CheckFailure", evalue="wrong", traceback=["line 4: b'secret expected'"]
    )
    test = new_code_cell(TEST_CELL, metadata=meta, outputs=[error])
    own = new_code_cell(
        "1/0", outputs=[new_output("error", ename="E", evalue="v", traceback=["x"])]
    )
    notebook = new_notebook(cells=[test, own])
    processed, _ = HideHiddenTests().preprocess(notebook, {})
    text = nbformat.writes(processed)
    assert "secret" not in text
    assert processed.cells[0].outputs[0].traceback == ["\x1b[0;31mCheckFailure\x1b[0m: wrong"]
    assert processed.cells[1].outputs[0].traceback == ["x"]
