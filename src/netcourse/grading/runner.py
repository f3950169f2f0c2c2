"""Grading one student: nbgrader autograde and feedback in a scratch course of their own.

Each student gets a private copy of the gradebook, so students graded side by
side never share a database, and a submission that wrecks its scratch folder
cannot touch anyone else's grade.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..course.paths import CONFIG_FILE, SOURCE_DIR
from .limits import KernelLimits
from .notebooks import NotGradable, read_submission, sanitized
from .protocol import Autograde
from .results import CellScore, Outcome, write_error_page
from .submissions import Submission
from .worker_client import NbgraderWorker, WorkerError

GRADEBOOK = "gradebook.db"
# The notebook's execution budget, as a share of the wall-clock limit: the rest
# is for starting the kernel, saving grades and writing feedback.
BUDGET_SHARE = 0.8


@dataclass(frozen=True)
class AssignmentInfo:
    """What the source says an assignment is worth, cell by cell, and which cells it has."""

    max_score: float
    cells: dict[str, float]  # test cell grade id -> points
    grade_ids: frozenset[str]  # every nbgrader cell of the source notebooks
    course_id: str


@dataclass(frozen=True)
class GradingSetup:
    """Everything a grading job needs; shared read-only by all jobs."""

    base: Path  # scratch course with the sources and a gradebook that knows them
    students_dir: Path
    assignments: dict[str, AssignmentInfo]
    timeout: float
    feedback_dir: Path | None
    limits: KernelLimits
    cell_timeout: float | None = None  # None: nbgrader_config.py's Execute.timeout


def _student_course(setup: GradingSetup, student: str) -> Path:
    work = setup.students_dir / student
    work.mkdir(parents=True)
    shutil.copy2(setup.base / CONFIG_FILE, work / CONFIG_FILE)
    shutil.copy2(setup.base / GRADEBOOK, work / GRADEBOOK)
    (work / SOURCE_DIR).symlink_to(setup.base / SOURCE_DIR, target_is_directory=True)
    return work


def _new_outcome(setup: GradingSetup, submission: Submission) -> Outcome:
    info = setup.assignments[submission.assignment]
    return Outcome(
        submission.student,
        submission.assignment,
        max_score=info.max_score,
        cells={grade_id: CellScore(0.0, points) for grade_id, points in info.cells.items()},
    )


def _grade_one(
    setup: GradingSetup, worker: NbgraderWorker, work: Path, submission: Submission
) -> Outcome:
    outcome = _new_outcome(setup, submission)
    if submission.problem:
        outcome.error = submission.problem
        return outcome
    source_ids = setup.assignments[submission.assignment].grade_ids
    try:
        notebooks = {
            name: read_submission(path, source_ids) for name, path in submission.notebooks.items()
        }
    except NotGradable as exc:
        outcome.error = str(exc)
        return outcome
    target = work / "submitted" / submission.student / submission.assignment
    target.mkdir(parents=True)
    for name, notebook in notebooks.items():
        nbformat.write(sanitized(notebook), target / name)
    request = Autograde(
        root=str(work),
        assignment=submission.assignment,
        student=submission.student,
        feedback=setup.feedback_dir is not None,
        budget=setup.timeout * BUDGET_SHARE,
        cell_timeout=setup.cell_timeout,
        limits=setup.limits,
    )
    try:
        reply = worker.request(request, timeout=setup.timeout)
    except WorkerError as exc:
        outcome.error = str(exc)
        return outcome
    if reply.scores is None:
        outcome.error = f"autograde failed: {reply.error or 'no grade was recorded'}"
        return outcome
    outcome.error = reply.error
    outcome.score = reply.scores.score
    for grade_id, (score, points) in reply.scores.cells.items():
        outcome.cells[grade_id] = CellScore(score, points)
    if reply.feedback and setup.feedback_dir is not None:
        target = setup.feedback_dir / submission.student / submission.assignment
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(reply.feedback, target)
    return outcome


def grade_student(
    setup: GradingSetup, worker: NbgraderWorker, student: str, submissions: list[Submission]
) -> list[Outcome]:
    """Grade every submission of one student; a bad submission is reported, never raised."""
    work = _student_course(setup, student)
    outcomes = []
    for submission in submissions:
        start = time.monotonic()
        outcome = _grade_one(setup, worker, work, submission)
        outcome.seconds = time.monotonic() - start
        if outcome.error and setup.feedback_dir is not None:
            name = next(iter(submission.notebooks), f"{submission.assignment}.ipynb")
            page = (setup.feedback_dir / student / submission.assignment / name).with_suffix(
                ".html"
            )
            if not page.exists():
                write_error_page(page, outcome)
        outcomes.append(outcome)
    return outcomes
