"""``netcourse release``: regenerate notebooks/ from solutions/ with nbgrader, or check it."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from ..errors import UsageError
from .nbgrader import IGNORED, make_scratch_course, run_nbgrader
from .paths import RELEASE_DIR, Course

_SKIPPED_NAMES = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}
# nbgrader's markers around solutions and hidden tests: never in anything a student gets
SECRET_MARKERS = (
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    "### BEGIN HIDDEN TESTS",
    "### END HIDDEN TESTS",
)


def refuse_secrets(notebook: Path) -> None:
    """Stop unless ``notebook`` is a student release: no solution, no hidden test."""
    text = notebook.read_text(encoding="utf-8")
    for marker in SECRET_MARKERS:
        if marker in text:
            raise UsageError(f"{notebook} holds {marker!r}: it is not a student release")


def generate(course: Course, assignments: list[str], scratch: Path) -> Path:
    """Run ``nbgrader generate_assignment`` on the assignments; return the release folder.

    The scratch course holds only the chosen assignments, so one nbgrader run
    with the pattern ``*`` does them all (nbgrader takes seconds to start).
    """
    make_scratch_course(course, assignments, scratch)
    run_nbgrader(["generate_assignment", "*", "--force", "--no-db", "--log-level=WARN"], scratch)
    return scratch / RELEASE_DIR


def _files(tree: Path) -> set[Path]:
    if not tree.is_dir():
        return set()
    return {
        p.relative_to(tree)
        for p in tree.rglob("*")
        if p.is_file() and not _SKIPPED_NAMES.intersection(p.relative_to(tree).parts)
    }


def differences(generated: Path, committed: Path) -> list[str]:
    """Relative paths (under notebooks/) that differ, are missing or are extra."""
    ours, theirs = _files(generated), _files(committed)
    changed = []
    for path in sorted(ours | theirs):
        if path not in theirs:
            changed.append(f"{path} (missing from {RELEASE_DIR}/)")
        elif path not in ours:
            changed.append(f"{path} (not produced by the release)")
        elif not filecmp.cmp(generated / path, committed / path, shallow=False):
            changed.append(f"{path} (differs)")
    return changed


def release(course: Course, assignments: list[str], check: bool) -> list[str]:
    """Regenerate (or, with ``check``, only compare) the release; return what differed."""
    with tempfile.TemporaryDirectory(prefix="netcourse-release-") as tmp:
        generated = generate(course, assignments, Path(tmp))
        found = []
        for assignment in assignments:
            diffs = differences(generated / assignment, course.release / assignment)
            found += [f"{RELEASE_DIR}/{assignment}/{d}" for d in diffs]
            if diffs and not check:
                target = course.release / assignment
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(generated / assignment, target, ignore=IGNORED)
        return found
