"""Writing a grading run's scores into an nbgrader gradebook, for the formgrader and export.

Students are graded side by side, each in a scratch course with a gradebook
of its own; only at the end does this module copy the scores, one student
after another, into the instructor's gradebook. One writer, sequential
writes: no grade is lost or counted twice, however many jobs ran.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from ..errors import UsageError
from .results import Outcome


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
            if not outcome.assignment:
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
            submission = gradebook.add_submission(outcome.assignment, outcome.student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in outcome.cells:
                        grade.auto_score = outcome.cells[grade.name].score
            gradebook.db.commit()
            recorded += 1
    return recorded
