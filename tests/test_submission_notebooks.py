"""Reading submitted notebooks: clear reasons for bad files, a graded copy nbgrader accepts."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from netcourse.grading.notebooks import NotGradable, read_submission, sanitized


def graded(grade_id, solution=False, grade=True):
    meta = {"nbgrader": {"grade_id": grade_id, "solution": solution, "grade": grade}}
    return new_code_cell(f"# {grade_id}", metadata=meta)


def write(tmp_path, notebook, name="a.ipynb"):
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


def test_bad_files_get_one_line_reasons(tmp_path):
    (tmp_path / "cut.ipynb").write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(NotGradable, match="not valid JSON"):
        read_submission(tmp_path / "cut.ipynb", frozenset())
    (tmp_path / "list.ipynb").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(NotGradable, match="not a Jupyter notebook"):
        read_submission(tmp_path / "list.ipynb", frozenset())
    (tmp_path / "bin.ipynb").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(NotGradable, match="not valid JSON"):
        read_submission(tmp_path / "bin.ipynb", frozenset())


def test_another_assignments_notebook_is_named_as_such(tmp_path):
    path = write(tmp_path, new_notebook(cells=[graded("parse-ipv4"), graded("test-ipv4")]))
    with pytest.raises(NotGradable, match="another assignment"):
        read_submission(path, frozenset({"frame-line", "test-frame-line"}))
    assert read_submission(path, frozenset({"parse-ipv4"})).cells


def test_duplicated_cells_are_made_acceptable_without_losing_student_code():
    answer, test = graded("answer", solution=True, grade=False), graded("test")
    edited = graded("answer", solution=True, grade=False)
    edited.source = "# the student's edited copy"
    notebook = new_notebook(cells=[answer, edited, test, graded("test")])
    notebook.cells[3]["id"] = notebook.cells[2]["id"]
    copy = sanitized(notebook)
    assert [c.source for c in copy.cells] == ["# answer", "# the student's edited copy", "# test"]
    assert "nbgrader" not in copy.cells[1].metadata
    assert len({c["id"] for c in copy.cells}) == 3
    assert notebook.cells[1].metadata["nbgrader"]["grade_id"] == "answer"  # original untouched
