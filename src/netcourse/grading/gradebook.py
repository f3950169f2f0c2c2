"""Writing a grading run's scores into an nbgrader gradebook, for the formgrader and export.

Students are graded side by side, each in a scratch course with a gradebook
of its own; only at the end does this module copy the scores, one student
after another, into the instructor's gradebook. One writer, sequential
writes: no grade is lost or counted twice, however many jobs ran.

The formgrader counts a submission as graded only when the course has an
``autograded/<student>/<assignment>/`` folder (``netcourse grade
--autograded``) and the gradebook's timestamp equals the one in
``submitted/<student>/<assignment>/timestamp.txt``; so each submission is
recorded with the timestamp it was submitted with.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from ..errors import UsageError
from .results import Outcome
from .submissions import NO_NOTEBOOK


def gradebook_url(target: str, base: Path) -> str:
    """A database URL for ``target``: a URL as given, or a SQLite file (made from ``base``)."""
    if "://" in target:
        return target
    path = Path(target)
    if not path.exists():
        shutil.copy2(base, path)
    return f"sqlite:///{path.resolve()}"


def record_outcomes(target: str, base: Path, course_id: str, outcomes: list[Outcome]) -> int:
    """Put every graded outcome into the gradebook ``target``; return how many.

    ``target`` is a SQLite file (created from the grading run's own gradebook
    ``base`` when missing) or a database URL such as ``postgresql://...``. A
    submission already there for the same student and assignment is
    replaced, so grading a class twice leaves one submission each.
    """
    from nbgrader.api import Gradebook, MissingEntry

    recorded = 0
    with Gradebook(gradebook_url(target, base), course_id) as gradebook:
        for outcome in sorted(outcomes, key=lambda o: (o.student, o.assignment)):
            if not outcome.assignment or outcome.error == NO_NOTEBOOK:
                continue
            try:
                gradebook.find_assignment(outcome.assignment)
            except MissingEntry:
                raise UsageError(
                    f"the gradebook {target} has no assignment {outcome.assignment!r}: run "
                    f"`nbgrader generate_assignment {outcome.assignment}` with it first"
                ) from None
            gradebook.update_or_create_student(outcome.student)
            with contextlib.suppress(MissingEntry):
                gradebook.remove_submission(outcome.assignment, outcome.student)
            stamp = {"timestamp": outcome.timestamp} if outcome.timestamp else {}
            submission = gradebook.add_submission(outcome.assignment, outcome.student, **stamp)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in outcome.cells:
                        grade.auto_score = outcome.cells[grade.name].score
                        grade.needs_manual_grade = False
            gradebook.db.commit()
            recorded += 1
    return recorded
