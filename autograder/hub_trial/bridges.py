"""Bridges: what the trial does by hand because ``netcourse grade`` does not do it yet on a hub.

Each bridge names the change to ``src/netcourse/grading/`` that makes it
unnecessary. The trial looks for each gap and bridges only what it finds, and
its log says "not needed" otherwise: once the fix is merged, the log says so,
and the bridge (its entry in ``BRIDGES``, its functions here, its call in
``drive.py``) can be deleted.

The copying bridges run as the instructor (``python -m hub_trial.bridges ...``),
so that every file they write is the instructor's, as if done by hand.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

# bridge -> the grading fix that retires it
BRIDGES = {
    "formgrader-scores": "grading/gradebook.py sets each submission's timestamp from "
    "submitted/<student>/<assignment>/timestamp.txt and fills the course's autograded/",
    "feedback-files": "grading/runner.py copies timestamp.txt and submission_secret.txt "
    "beside each feedback page",
    "grade-in-terminal": "netcourse grade's scratch courses pin "
    "Authenticator.plugin_class = NoAuthPlugin",
}
# `netcourse grade` options only the bridges need: the formgrader-scores bridge takes the
# autograded notebooks from the scratch course.
GRADE_OPTIONS = ["--keep-scratch"]
# What `netcourse grade` outside a hub server prints while grade-in-terminal is needed.
OUTSIDE_A_SERVER = "JUPYTERHUB_USER env is required"


def bridge_note(name: str) -> str:
    return f"BRIDGE {name} (until {BRIDGES[name]})"


# ----------------------------------------------------------------------------- formgrader-scores
# The formgrader counts a submission as graded only when autograded/<student>/<assignment>/
# exists in the course and the gradebook's timestamp equals submitted/.../timestamp.txt;
# `netcourse grade --gradebook` grades in scratch space and records no timestamp.


def formgrader_gaps(listed: dict, scores: dict) -> list[str]:
    """Submissions the formgrader lists as not autograded or with another score than ours."""
    return sorted(
        f"{student} {assignment}"
        for student, per in scores.items()
        for assignment, score in per.items()
        if not (shown := listed.get(student, {}).get(assignment, {})).get("autograded")
        or shown.get("score") != score["score"]
    )


def copy_autograded(root: Path, scratch: Path, course: str) -> int:
    """Put each graded notebook in the course's autograded/, its timestamp in the gradebook."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    done = 0
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course) as gradebook:
        for stamp in sorted(root.glob("submitted/*/*/timestamp.txt")):
            submitted = stamp.parent
            assignment, student = submitted.name, submitted.parent.name
            graded = scratch / "students" / student / "autograded" / student / assignment
            target = root / "autograded" / student / assignment
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(graded if graded.is_dir() else submitted, target)
            shutil.copy2(stamp, target / "timestamp.txt")
            submission = gradebook.find_submission(assignment, student)
            submission.timestamp = parse_utc(stamp.read_text().strip())
            gradebook.db.commit()
            done += 1
    shutil.rmtree(scratch, ignore_errors=True)
    return done


# ----------------------------------------------------------------------------- feedback-files
# nbgrader release_feedback needs the submission's timestamp.txt beside each page, and a
# student's fetch_feedback finds their page by a hash of submission_secret.txt.
FEEDBACK_FILES = ("timestamp.txt", "submission_secret.txt")


def feedback_gaps(root: Path) -> list[Path]:
    """Feedback folders in the course that lack what release_feedback needs."""
    return sorted(
        folder
        for folder in {page.parent for page in root.glob("feedback/*/*/*.html")}
        if not all((folder / name).exists() for name in FEEDBACK_FILES)
    )


def copy_feedback_files(root: Path) -> int:
    """Copy each submission's timestamp and secret beside its feedback pages."""
    folders = feedback_gaps(root)
    for folder in folders:
        submitted = root / "submitted" / folder.parent.name / folder.name
        for name in FEEDBACK_FILES:
            if (submitted / name).exists():
                shutil.copy2(submitted / name, folder / name)
    return len(folders)


# ----------------------------------------------------------------------------- as the instructor


def main(argv: list[str]) -> int:
    """``autograded ROOT SCRATCH COURSE`` or ``feedback ROOT``: print what was bridged."""
    match argv:
        case ["autograded", root, scratch, course]:
            done = copy_autograded(Path(root), Path(scratch), course)
            print(f"{done} submissions given autograded/ and their timestamps")
        case ["feedback", root]:
            done = copy_feedback_files(Path(root))
            print(f"{done} feedback folders given {' and '.join(FEEDBACK_FILES)}")
        case _:
            print("usage: hub_trial.bridges autograded ROOT SCRATCH COURSE | feedback ROOT")
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
