"""What the trial checks after grading: the formgrader lists every grade, feedback can go out.

The formgrader counts a submission as graded only when
``autograded/<student>/<assignment>/`` exists in the course and the gradebook's
timestamp equals ``submitted/.../timestamp.txt``; ``nbgrader release_feedback``
needs the submission's ``timestamp.txt`` beside each page, and a student's
``fetch_feedback`` finds their page by a hash of ``submission_secret.txt``.
``netcourse grade --gradebook`` provides all of it (grading/runner.py, gradebook.py).
"""

from __future__ import annotations

from pathlib import Path

FEEDBACK_FILES = ("timestamp.txt", "submission_secret.txt")


def formgrader_gaps(listed: dict, scores: dict) -> list[str]:
    """Submissions the formgrader lists as not autograded or with another score than ours."""
    return sorted(
        f"{student} {assignment}"
        for student, per in scores.items()
        for assignment, score in per.items()
        if not (shown := listed.get(student, {}).get(assignment, {})).get("autograded")
        or shown.get("score") != score["score"]
    )


def feedback_gaps(root: Path) -> list[Path]:
    """Feedback folders in the course that lack what release_feedback needs."""
    return sorted(
        folder
        for folder in {page.parent for page in root.glob("feedback/*/*/*.html")}
        if not all((folder / name).exists() for name in FEEDBACK_FILES)
    )
