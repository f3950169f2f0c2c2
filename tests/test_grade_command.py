"""`netcourse grade` end to end: solutions score full marks, blanks zero, bad input an error.

One grading run over a small class serves every test here; it goes through
the real command line and real nbgrader, as an instructor would run it.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT, load_json, run_netcourse
from .grading_tools import assert_feedback_hides_hidden_tests, tree_digest

pytestmark = pytest.mark.slow

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if any(p.glob("*.ipynb")))
STUDENTS = ["blank", "corrupt", "nothing", "partial", "solved", "zipped"]


def build_class(subs: Path) -> None:
    """Students: full solutions, blank releases, a zip, corrupt JSON, an empty folder, and one
    who handed in only the first assignment."""
    for assignment in ASSIGNMENTS:
        for student, tree in (("solved", "solutions"), ("blank", "notebooks")):
            shutil.copytree(ROOT / tree / assignment, subs / student / assignment)
        notebook = subs / "corrupt" / assignment / f"{assignment}.ipynb"
        notebook.parent.mkdir(parents=True)
        notebook.write_text('{"cells": [', encoding="utf-8")
    with zipfile.ZipFile(subs / "zipped.zip", "w") as bundle:
        for assignment in ASSIGNMENTS:
            name = f"{assignment}/{assignment}.ipynb"
            bundle.write(ROOT / "solutions" / name, f"my-work/{name}")
    (subs / "nothing").mkdir()
    shutil.copytree(ROOT / "solutions" / ASSIGNMENTS[0], subs / "partial" / ASSIGNMENTS[0])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("grade")
    subs = work / "submissions"
    subs.mkdir()
    build_class(subs)
    before = tree_digest(subs)
    args = ["grade", str(subs), "--jobs", "2", "--json", "grades.json", "--feedback", "fb"]
    for assignment in ASSIGNMENTS:
        args += ["--assignment", assignment]
    result = run_netcourse(*args, "--course", str(ROOT), cwd=work)
    return {
        "result": result,
        "json": load_json(work / "grades.json") if (work / "grades.json").exists() else None,
        "work": work,
        "unchanged": tree_digest(subs) == before,
    }


def test_the_run_succeeds_and_prints_a_summary(graded):
    result = graded["result"]
    assert result.returncode == 0, result.stderr[-2000:]
    assert "student" in result.stdout and "solved" in result.stdout
    table = [line.split() for line in result.stdout.splitlines()[2:] if line[:1].isalpha()]
    pairs = {(row[0], row[1]) for row in table if len(row) > 1 and row[1] in ASSIGNMENTS}
    assert pairs == {(s, a) for s in STUDENTS for a in ASSIGNMENTS}  # missing ones included
    total = len(STUDENTS) * len(ASSIGNMENTS)
    assert f"{total} submissions, " in result.stdout.splitlines()[-1]


def test_progress_in_a_log_is_one_plain_line_per_event(graded):
    """stderr is a pipe here, as in a log: no bar, no carriage returns, every submission."""
    err = graded["result"].stderr
    assert "\r" not in err and "\x1b" not in err
    total = len(STUDENTS) * len(ASSIGNMENTS)
    lines = err.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"{total} submissions of "))
    assert first < lines.index(f"grading {total} submissions")  # before the slow preparation
    assert "preparing" in lines[first]
    for assignment in ASSIGNMENTS:
        assert f"grading solved {assignment}" in err
        assert any(
            line.startswith(f"solved {assignment}: ") and " in " in line
            for line in err.splitlines()
        )


def test_solutions_get_full_marks(graded):
    for student in ("solved", "zipped"):
        for assignment in ASSIGNMENTS:
            entry = graded["json"]["students"][student][assignment]
            assert entry["max_score"] > 0
            assert entry["score"] == entry["max_score"], (student, assignment, entry)
            assert all(c["score"] == c["max_score"] for c in entry["cells"].values())


def test_blank_releases_get_zero(graded):
    for assignment in ASSIGNMENTS:
        entry = graded["json"]["students"]["blank"][assignment]
        assert entry["score"] == 0 and entry["max_score"] > 0
        assert entry["cells"] and all(c["score"] == 0 for c in entry["cells"].values())


def test_bad_submissions_score_zero_with_a_one_line_reason(graded):
    errors = {(e["student"], e["assignment"]): e["reason"] for e in graded["json"]["errors"]}
    for assignment in ASSIGNMENTS:
        assert "is not valid JSON" in errors["corrupt", assignment]
        assert errors["nothing", assignment] == "no notebook"
        for student in ("corrupt", "nothing"):
            assert graded["json"]["students"][student][assignment]["score"] == 0
    assert {s for s, _ in errors} == {"corrupt", "nothing", "partial"}
    assert {a for s, a in errors if s == "partial"} == set(ASSIGNMENTS[1:])
    assert all("\n" not in reason for reason in errors.values())


def test_feedback_and_csv_are_written_for_everyone_who_handed_something_in(graded):
    work = graded["work"]
    for student in ("solved", "blank", "zipped", "corrupt"):
        for assignment in ASSIGNMENTS:
            assert (work / "fb" / student / assignment / f"{assignment}.html").is_file()
    # a page for nothing handed in would break nbgrader's release_feedback (no timestamp.txt)
    assert not (work / "fb" / "nothing").exists()
    assert sorted(p.name for p in (work / "fb" / "partial").iterdir()) == ASSIGNMENTS[:1]
    rows = list(csv.DictReader((work / "grades.csv").open()))
    assert len(rows) == len(STUDENTS) * len(ASSIGNMENTS)


def test_honest_submissions_have_nothing_to_review(graded):
    for student in ("solved", "blank", "zipped"):
        for assignment in ASSIGNMENTS:
            assert graded["json"]["students"][student][assignment]["review"] == []


def test_feedback_never_shows_hidden_tests(graded):
    assert_feedback_hides_hidden_tests(graded["work"] / "fb", ASSIGNMENTS)


def test_submissions_are_never_modified(graded):
    assert graded["unchanged"]
