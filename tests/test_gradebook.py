"""Scores recorded in an nbgrader gradebook stay exact when students are graded side by side."""

from __future__ import annotations

import shutil

import pytest
from nbgrader.api import Gradebook

from .conftest import ROOT, run_netcourse

pytestmark = pytest.mark.slow
ASSIGNMENT = "00-welcome"
SOLVED = [f"solved-{i}" for i in range(3)]
BLANK = [f"blank-{i}" for i in range(3)]


def grade_into(gradebook, subs, work):
    result = run_netcourse(
        "grade", str(subs), "--assignment", ASSIGNMENT, "--jobs", "2",
        "--gradebook", str(gradebook), "--feedback", "fb", "--course", str(ROOT), cwd=work,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def submissions(gradebook):
    with Gradebook(f"sqlite:///{gradebook}", "sockets-to-coroutines") as gb:
        return sorted(
            (s.student.id, s.score, s.max_score) for s in gb.find_assignment(ASSIGNMENT).submissions
        )


def test_side_by_side_grading_records_each_submission_once_and_exactly(tmp_path):
    subs = tmp_path / "subs"
    for student in SOLVED:
        shutil.copytree(ROOT / "solutions" / ASSIGNMENT, subs / student / ASSIGNMENT)
    for student in BLANK:
        shutil.copytree(ROOT / "notebooks" / ASSIGNMENT, subs / student / ASSIGNMENT)
    gradebook = tmp_path / "gradebook.db"
    result = grade_into(gradebook, subs, tmp_path)
    assert f"{len(SOLVED + BLANK)} submissions recorded" in result.stderr
    recorded = submissions(gradebook)
    assert [r[0] for r in recorded] == sorted(SOLVED + BLANK)
    for student, score, max_score in recorded:
        assert max_score > 0
        assert score == (max_score if student.startswith("solved") else 0), student
    grade_into(gradebook, subs, tmp_path)  # grading again replaces, never duplicates
    assert submissions(gradebook) == recorded
