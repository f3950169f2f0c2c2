"""The corpus of broken and hostile submissions, graded in one `netcourse grade` run.

Every case scores what autograder/corpus.py records, costs bounded time, and
leaves the submitted files as they were; the correct submission in the same
run gets full marks; no feedback page shows a hidden test.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT, load_json, run_netcourse
from .grading_tools import assert_feedback_hides_hidden_tests, tree_digest

pytestmark = pytest.mark.slow

TIMEOUT = 60  # wall-clock limit per submission for this run
ARGS = ["--jobs", "2", "--timeout", str(TIMEOUT), "--cell-timeout", "10", "--limit-memory", "2048"]


def load_corpus():
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "autograder" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


CORPUS = load_corpus()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    subs = work / "submissions"
    CORPUS.build(CORPUS.CASES, subs)
    before = tree_digest(subs)
    result = run_netcourse(
        "grade", str(subs), *ARGS, "--json", "grades.json", "--csv", "grades.csv",
        "--feedback", "fb", "--course", str(ROOT), cwd=work, timeout=3600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {row["student"]: row for row in _csv(work / "grades.csv")}
    return {"json": load_json(work / "grades.json"), "rows": rows, "work": work,
            "unchanged": tree_digest(subs) == before}  # fmt: skip


def _csv(path):
    import csv

    return list(csv.DictReader(path.open(encoding="utf-8")))


@pytest.mark.parametrize("case", CORPUS.CASES, ids=[c.name for c in CORPUS.CASES])
def test_each_case_scores_as_recorded_with_its_reason(graded, case):
    entry = graded["json"]["students"][case.name][case.assignment]
    expected = entry["max_score"] if case.score == CORPUS.FULL else case.score
    reasons = [e["reason"] for e in graded["json"]["errors"] if e["student"] == case.name]
    assert entry["score"] == expected, f"{case.name} ({case.why}): {entry} {reasons}"
    if case.reason:
        assert any(case.reason in r for r in reasons), reasons
    for reason in reasons:
        assert reason and "\n" not in reason


@pytest.mark.parametrize("case", CORPUS.CASES, ids=[c.name for c in CORPUS.CASES])
def test_each_case_costs_bounded_time(graded, case):
    seconds = float(graded["rows"][case.name]["seconds"])
    assert seconds <= TIMEOUT * 1.5, f"{case.name} took {seconds} s"


def test_submitted_files_are_byte_identical_afterwards(graded):
    assert graded["unchanged"]


def test_feedback_never_shows_hidden_tests(graded):
    assignments = sorted({case.assignment for case in CORPUS.CASES})
    assert_feedback_hides_hidden_tests(graded["work"] / "fb", assignments)
