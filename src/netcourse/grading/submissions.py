"""Finding each student's notebooks in a folder of submissions, read-only.

Two layouts are accepted side by side in SUBMISSIONS:

* ``<student>/<assignment>/<notebook>.ipynb`` (nbgrader's own), and
* ``<student>.zip``, as downloaded from JupyterLab or an LMS, holding the
  notebooks at any depth (``<assignment>/<notebook>.ipynb`` or flat).

Nothing under SUBMISSIONS is ever written: zips are unpacked into scratch space.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..course.paths import Course

MAX_UNZIPPED_BYTES = 200 * 2**20
NO_NOTEBOOK = "no notebook"  # the problem of a student who handed in nothing for an assignment
_IGNORED_PARTS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}


@dataclass
class Submission:
    """One student's work on one assignment, or why it cannot be graded."""

    student: str
    assignment: str
    notebooks: dict[str, Path] = field(default_factory=dict)  # expected name -> file
    problem: str | None = None


@dataclass
class Discovery:
    """What was found: submissions to grade, and lines to warn about."""

    submissions: list[Submission] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def students(self) -> list[str]:
        return sorted({s.student for s in self.submissions})


def _visible_notebooks(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*.ipynb")
        if p.is_file() and not _IGNORED_PARTS.intersection(p.relative_to(root).parts)
    )


def _find_notebook(root: Path, assignment: str, name: str, candidates: list[Path]) -> Path | str:
    """The file that stands for ``assignment/name`` under ``root``, or why none does."""
    exact = root / assignment / name
    if exact.is_file():
        return exact
    nested = [p for p in candidates if p.name == name and p.parent.name == assignment]
    flat = [p for p in candidates if p.name == name]
    in_folder = [p for p in candidates if p.parent == root / assignment]
    for group in (nested, flat, in_folder):
        if len(group) == 1:
            return group[0]
        if len(group) > 1:
            shown = ", ".join(str(p.relative_to(root)) for p in group[:3])
            return f"several candidates for {assignment}/{name}: {shown}"
    return f"no {name} found"


def _unzip(archive: Path, into: Path) -> str | None:
    """Unpack a student's zip into scratch space; return a problem, or None when fine."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                return f"{archive.name} unpacks to more than {MAX_UNZIPPED_BYTES >> 20} MiB"
            for member in members:
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                if not parts or parts[0] in ("/", "") or ".." in parts:
                    continue  # never write outside the scratch folder
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(bundle.read(member))
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        return f"{archive.name} is not a readable zip file: {exc}"
    return None


def _student_roots(submissions: Path, unzip_dir: Path, discovery: Discovery) -> dict[str, Path]:
    """Map each student to the folder holding their work (a zip is unpacked first)."""
    roots: dict[str, Path] = {}
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            student = entry.name
            root = entry
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            student = entry.stem
            root = unzip_dir / student
            problem = _unzip(entry, root)
            if problem:
                discovery.submissions.append(Submission(student, "", problem=problem))
                continue
        else:
            discovery.warnings.append(f"ignored {entry.name}: not a student folder or a .zip file")
            continue
        if student in roots:
            discovery.submissions.append(
                Submission(student, "", problem=f"both a folder and a zip file for {student}")
            )
            roots.pop(student)
            continue
        roots[student] = root
    return roots


def discover(
    course: Course, submissions: Path, assignments: list[str], explicit: bool, unzip_dir: Path
) -> Discovery:
    """Find every (student, assignment) to grade under ``submissions``.

    With ``explicit`` (assignments named on the command line) a student who
    lacks one gets a submission with a problem; otherwise only the
    assignments a student has something for are graded.
    """
    discovery = Discovery()
    for student, root in _student_roots(submissions, unzip_dir, discovery).items():
        candidates = _visible_notebooks(root)
        found_any = False
        for assignment in assignments:
            submission = Submission(student, assignment)
            problems = []
            for name in course.notebooks(assignment):
                found = _find_notebook(root, assignment, name, candidates)
                if isinstance(found, Path):
                    submission.notebooks[name] = found
                else:
                    problems.append(found)
            ambiguous = any(p.startswith("several candidates") for p in problems)
            present = bool(submission.notebooks) or (root / assignment).is_dir() or ambiguous
            if not present and not explicit:
                continue
            found_any = True
            if not present:
                submission.problem = NO_NOTEBOOK
            elif problems and not submission.notebooks:
                submission.problem = f"nothing to grade for {assignment}: " + "; ".join(problems)
            discovery.submissions.append(submission)
        if not found_any:
            discovery.submissions.append(
                Submission(student, "", problem="no notebook of any course assignment found")
            )
    return discovery
