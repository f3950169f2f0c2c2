"""Where the course lives on disk: its root, its assignments and their notebooks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

CONFIG_FILE = "nbgrader_config.py"
SOURCE_DIR = "solutions"
RELEASE_DIR = "notebooks"


@dataclass(frozen=True)
class Course:
    """A course folder: nbgrader_config.py, solutions/ (source) and notebooks/ (release)."""

    root: Path

    @property
    def source(self) -> Path:
        return self.root / SOURCE_DIR

    @property
    def release(self) -> Path:
        return self.root / RELEASE_DIR

    def assignments(self) -> list[str]:
        """Names of the assignment folders in solutions/, in course order."""
        return [folder.name for folder in _assignment_folders(self.source)]

    def released_assignments(self) -> list[Path]:
        """The assignment folders of notebooks/ (the student release), in course order."""
        return _assignment_folders(self.release)

    def notebooks(self, assignment: str) -> list[str]:
        """File names of the notebooks an assignment consists of."""
        return sorted(p.name for p in (self.source / assignment).glob("*.ipynb"))

    def check_assignments(self, names: list[str]) -> list[str]:
        """Return ``names`` (or every assignment when empty); fail on an unknown one."""
        known = self.assignments()
        for name in names:
            if name not in known:
                raise UsageError(
                    f"unknown assignment {name!r}; the course has: {', '.join(known) or 'none'}"
                )
        return list(dict.fromkeys(names)) or known


def _assignment_folders(tree: Path) -> list[Path]:
    if not tree.is_dir():
        return []
    return sorted(
        p
        for p in tree.iterdir()
        if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb"))
    )


def _is_course_root(path: Path) -> bool:
    return (path / CONFIG_FILE).is_file() and (path / SOURCE_DIR).is_dir()


def course_above(start: Path) -> Course | None:
    """The course whose root is ``start`` or a folder above it, if there is one."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if _is_course_root(candidate):
            return Course(candidate)
    return None


def find_course(start: Path | None = None) -> Course:
    """Find the course root from ``start`` (default: the working directory) upwards.

    Falls back to the source tree this package was installed from (an editable
    install), so ``netcourse`` works from any folder on a developer's machine.
    """
    here = (start or Path.cwd()).resolve()
    course = course_above(here)
    if course is not None:
        return course
    package_tree = Path(__file__).resolve().parents[3]  # src/netcourse/course/paths.py
    if _is_course_root(package_tree):
        return Course(package_tree)
    raise UsageError(
        f"no course found in {here} or above it (looked for {CONFIG_FILE} beside {SOURCE_DIR}/); "
        "run netcourse from the course folder or pass --course DIR"
    )
