"""Grading one student: nbgrader autograde and feedback in a scratch course of their own.

Each student gets a private copy of the gradebook, so students graded side by
side never share a database. The student's kernels run in sandboxes that see
none of it: whatever the grader takes from a submission, it reads from the
scratch course once the sandbox is gone.
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
from .pages import copy_nbgrader_files, publish, write_error_page
from .progress import Progress
from .protocol import GRADEBOOK, Autograde
from .results import CellScore, Outcome
from .review import review
from .submissions import NO_NOTEBOOK, Submission
from .worker_client import NbgraderWorker, WorkerError

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
    known_lines: frozenset[str] = frozenset()  # the course's own code lines (review.py)


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
    sandboxed: bool = True
    autograded_dir: Path | None = None  # also keep the graded notebooks here


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


def submission_folder(submission: Submission) -> Path | None:
    """The folder a submission's notebooks came from (where nbgrader's files would be)."""
    return next(iter(submission.notebooks.values())).parent if submission.notebooks else None


def submitted_timestamp(folder: Path | None) -> str | None:
    """The submission's ``timestamp.txt``, if it holds a time nbgrader can read."""
    from nbgrader.utils import parse_utc

    path = folder / "timestamp.txt" if folder else None
    if path is None or not path.is_file() or path.stat().st_size > 200:
        return None
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    try:
        parse_utc(text)
    except (ValueError, OverflowError):
        return None
    return text


def _grade_one(
    setup: GradingSetup, worker: NbgraderWorker, work: Path, submission: Submission
) -> Outcome:
    outcome = _new_outcome(setup, submission)
    if submission.problem:
        outcome.error = submission.problem
        return outcome
    info = setup.assignments[submission.assignment]
    try:
        notebooks = {
            name: read_submission(path, info.grade_ids)
            for name, path in submission.notebooks.items()
        }
    except NotGradable as exc:
        outcome.error = str(exc)
        return outcome
    folder = submission_folder(submission)
    outcome.timestamp = submitted_timestamp(folder)
    target = work / "submitted" / submission.student / submission.assignment
    target.mkdir(parents=True)
    for name, notebook in notebooks.items():
        nbformat.write(sanitized(notebook), target / name)
        outcome.review += review(notebook, info.known_lines)
    if outcome.timestamp is not None:  # nbgrader records it, and the formgrader compares it
        copy_nbgrader_files(folder, target)
    request = Autograde(
        root=str(work),
        assignment=submission.assignment,
        student=submission.student,
        feedback=setup.feedback_dir is not None,
        budget=setup.timeout * BUDGET_SHARE,
        cell_timeout=setup.cell_timeout,
        sandboxed=setup.sandboxed,
        limits=setup.limits,
    )
    try:
        reply = worker.request(request, timeout=setup.timeout)
    except WorkerError as exc:
        outcome.error = str(exc)
        return outcome
    for cell, reasons in sorted(reply.overruled.items()):
        outcome.review.append(f"{cell}: scored 0 for {', '.join(reasons)}")
    if reply.scores is None:
        outcome.error = f"autograde failed: {reply.error or 'no grade was recorded'}"
        return outcome
    outcome.error = reply.error
    outcome.score = reply.scores.score
    for grade_id, (score, points) in reply.scores.cells.items():
        outcome.cells[grade_id] = CellScore(score, points)
    _keep_results(setup, work, submission, folder, reply.feedback)
    return outcome


def _keep_results(
    setup: GradingSetup, work: Path, submission: Submission, folder: Path | None, feedback: bool
) -> None:
    """Copy the feedback pages (and the graded notebooks) out of the scratch course."""
    student, assignment = submission.student, submission.assignment
    if feedback and setup.feedback_dir is not None:
        pages = [Path(name).with_suffix(".html").name for name in submission.notebooks]
        publish(
            work / "feedback" / student / assignment,
            setup.feedback_dir / student / assignment,
            pages,
            folder,
        )
    graded = work / "autograded" / student / assignment
    if setup.autograded_dir is not None and graded.is_dir():
        _export_graded(graded, setup.autograded_dir / student / assignment)


def _export_graded(source: Path, target: Path) -> None:
    """The graded notebooks for the formgrader, with nothing that can run script there."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    from .feedback import inert_markdown

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in sorted(source.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = SanitizeHTML().sanitize_code_outputs(cell.outputs)
            elif cell.cell_type == "markdown":
                cell.source = inert_markdown(cell.source)
        nbformat.write(notebook, target / path.name)
    copy_nbgrader_files(source, target)


def grade_student(
    setup: GradingSetup,
    worker: NbgraderWorker,
    student: str,
    submissions: list[Submission],
    progress: Progress,
) -> list[Outcome]:
    """Grade every submission of one student; a bad submission is reported, never raised."""
    work = _student_course(setup, student)
    outcomes = []
    for submission in submissions:
        progress.started(submission.student, submission.assignment)
        start = time.monotonic()
        outcome = _grade_one(setup, worker, work, submission)
        outcome.seconds = time.monotonic() - start
        if outcome.error and outcome.error != NO_NOTEBOOK and setup.feedback_dir is not None:
            name = next(iter(submission.notebooks), f"{submission.assignment}.ipynb")
            folder = setup.feedback_dir / student / submission.assignment
            page = folder / Path(name).with_suffix(".html").name
            if not page.exists():
                score = f"{outcome.score:g} / {outcome.max_score:g}"
                write_error_page(page, submission.assignment, score, outcome.error)
                copy_nbgrader_files(submission_folder(submission), folder)
        progress.finished(outcome)
        outcomes.append(outcome)
    return outcomes
