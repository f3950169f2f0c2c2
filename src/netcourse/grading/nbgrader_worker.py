"""A long-lived grading process: runs nbgrader's Python API for one request at a time.

``netcourse grade`` starts one per job slot and sends it JSON requests on
stdin, one per line; it answers each with one JSON line. Importing nbgrader
takes seconds, so paying that once per slot instead of once per student is
most of what makes a class fast to grade. Kernels it starts are its children,
so the parent can kill the whole tree when a submission overruns its limit.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from ..course.cells import is_test_cell
from ..course.nbgrader import last_error_line
from .protocol import REQUESTS, Autograde, Autograded, Generate, Generated, Scores, decode, encode

KERNEL_ARGV = [sys.executable, "-m", "netcourse.grading.kernel", "-f", "{connection_file}"]
KERNEL_PACKAGE: Path | None = None  # this worker's private copy of netcourse, for its kernels


def schema_version_in_process() -> str:
    """The gradebook schema version nbgrader records, read without the ``alembic`` command.

    nbgrader runs ``alembic heads`` in a subprocess whenever it creates a
    gradebook; that new interpreter re-imports everything and takes seconds.
    The same answer comes from alembic's API in this process.
    """
    import nbgrader.api
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.api.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


def _use_in_process_schema_version() -> None:
    import nbgrader.api

    try:
        version = schema_version_in_process()
    except Exception:  # keep nbgrader's own way if alembic's API ever differs
        return
    nbgrader.api.get_alembic_version = lambda: version


def install_kernelspec(package_path: Path) -> None:
    """Make ``python3``, the kernel the notebooks name, the guarded grading kernel here.

    The folder is this worker's private JUPYTER_DATA_DIR, which Jupyter searches
    before any other, so the grader's own kernels are never touched. The kernels
    import netcourse from ``package_path``.
    """
    python_path = os.pathsep.join(filter(None, [str(package_path), os.environ.get("PYTHONPATH")]))
    spec = {
        "argv": KERNEL_ARGV,
        "display_name": "Python 3 (graded by netcourse)",
        "language": "python",
        "env": {"PYTHONPATH": python_path},
    }
    folder = Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def _api(root: Path, budget: float | None = None, cell_timeout: float | None = None):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.coursedir import CourseDirectory

    os.chdir(root)  # nbgrader reads nbgrader_config.py from the working directory
    app = NbGrader()
    app.load_config_file()
    if budget is not None:
        app.config.BudgetedExecute.notebook_budget = budget
    if cell_timeout is not None:
        app.config.BudgetedExecute.timeout = int(cell_timeout)
    coursedir = CourseDirectory(config=app.config, root=str(root))
    return NbGraderAPI(coursedir=coursedir, config=app.config)


def _gradebook(api):
    from nbgrader.api import Gradebook

    return Gradebook(api.coursedir.db_url, api.coursedir.course_id)


def _logged(what: str, result: dict[str, Any]) -> dict[str, Any]:
    """Copy nbgrader's captured log to this worker's log file (kept with --keep-scratch)."""
    print(f"== {what}: {'ok' if result['success'] else 'failed'}", file=sys.stderr)
    print(result.get("log") or "", result.get("error") or "", sep="\n", file=sys.stderr, flush=True)
    return result


def _failure(result: dict[str, Any]) -> str:
    return last_error_line((result.get("log") or "") + "\n" + (result.get("error") or ""))


def generate(request: Generate) -> Generated:
    """Record an assignment's source in the gradebook; answer with its points per cell."""
    root, assignment = Path(request.root), request.assignment
    api = _api(root)
    result = _logged(
        f"generate_assignment {assignment}",
        api.generate_assignment(assignment, force=True, create=True),
    )
    if not result["success"]:
        return Generated(error=_failure(result))
    with _gradebook(api) as gradebook:
        record = gradebook.find_assignment(assignment)
        cells = {
            cell.name: float(cell.max_score)
            for notebook in record.notebooks
            for cell in notebook.grade_cells
        }
        grade_ids = sorted(
            cell.name
            for notebook in record.notebooks
            for cell in (*notebook.grade_cells, *notebook.solution_cells, *notebook.task_cells)
        )
        return Generated(
            course_id=api.coursedir.course_id,
            max_score=float(record.max_score),
            cells=cells,
            grade_ids=grade_ids,
        )


def _scores(api, assignment: str, student: str) -> Scores | None:
    from nbgrader.api import MissingEntry

    with _gradebook(api) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        cells = {
            grade.name: (float(grade.score or 0.0), float(grade.max_score))
            for notebook in submission.notebooks
            for grade in notebook.grades
            if grade.max_score
        }
        return Scores(float(submission.score), cells)


def _test_cell_digests(source: Path) -> frozenset[str]:
    """Digests of every test cell of an assignment's source notebooks, as the kernel runs them."""
    import nbformat

    from .guard import cell_digest

    digests = set()
    for path in source.glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_test_cell(cell):
                digests.add(cell_digest(cell.source))
    return frozenset(digests)


def _check_seals(api, assignment: str, student: str, key: bytes) -> list[str]:
    """Zero every passing test cell without a valid seal; name every tampered cell."""
    import nbformat

    from .guard import tampered_cells, verify_seals

    tampered = set()
    folder = Path(api.coursedir.format_path("autograded", student, assignment))
    with _gradebook(api) as gradebook:
        for path in sorted(folder.glob("*.ipynb")):
            cells = nbformat.read(path, as_version=4).cells
            tampered.update(tampered_cells(cells))
            for grade_id in verify_seals(cells, key):
                grade = gradebook.find_grade(grade_id, path.stem, assignment, student)
                if grade.auto_score:
                    grade.auto_score = 0.0
                    tampered.add(grade_id)
        gradebook.db.commit()
    return sorted(tampered)


def _zero_all(api, assignment: str, student: str) -> None:
    from nbgrader.api import MissingEntry

    with _gradebook(api) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0.0 if grade.auto_score is not None else None
        gradebook.db.commit()


def autograde(request: Autograde) -> Autograded:
    """Autograde one submission in guarded kernels; write its feedback; answer with the scores."""
    from .cgroups import TaskCgroup
    from .integrity import PackageSnapshot
    from .session import SESSION_VARIABLE, Session

    root, assignment, student = Path(request.root), request.assignment, request.student
    api = _api(root, request.budget, request.cell_timeout)
    limits = request.limits
    cgroup = TaskCgroup.create(f"netcourse-{os.getpid()}", limits.tasks)
    session = Session.new(
        _test_cell_digests(root / api.coursedir.source_directory / assignment),
        limits,
        str(cgroup.path) if cgroup else None,
    )
    session_file = Path(os.environ[SESSION_VARIABLE])
    session.write(session_file)
    package = PackageSnapshot(KERNEL_PACKAGE)
    try:
        result = _logged(
            f"autograde {assignment} {student}",
            api.autograde(assignment, student, force=True, create=True),
        )
    finally:
        session_file.unlink(missing_ok=True)
        if cgroup is not None:
            cgroup.remove()  # kills whatever the submission left running
    error = None if result["success"] else _failure(result)
    tampered = _check_seals(api, assignment, student, session.key) if result["success"] else []
    if tampered:
        error = f"tampering detected: check cell(s) {', '.join(tampered)} score 0"
    rewritten = package.restore()
    if rewritten:
        _zero_all(api, assignment, student)
        error = (
            f"tampering detected: the submission rewrote {', '.join(rewritten[:3])} of the "
            "installed course package (restored); every check scores 0"
        )
    scores = _scores(api, assignment, student)
    if not request.feedback or scores is None:
        return Autograded(scores, error)
    produced = _logged(
        f"generate_feedback {assignment} {student}",
        api.generate_feedback(assignment, student, force=True),
    )
    if not produced["success"]:
        return Autograded(scores, error or f"feedback failed: {_failure(produced)}")
    return Autograded(scores, error, str(root / "feedback" / student / assignment))


def handle(request: Generate | Autograde) -> Generated | Autograded:
    """Answer one request; an error of ours becomes the reply's one-line error."""
    answer, reply = (
        (generate, Generated) if isinstance(request, Generate) else (autograde, Autograded)
    )
    try:
        return answer(request)
    except Exception as exc:
        return reply(error=f"{type(exc).__name__}: {exc}")


def main() -> None:
    # Replies go out on a private copy of stdout; whatever else prints lands in the log.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    import nbgrader.apps.api  # noqa: F401 -- the slow import, done before the first request

    from .integrity import private_copy

    global KERNEL_PACKAGE
    package_path = private_copy(Path(os.environ["JUPYTER_DATA_DIR"]).parent / "kernel-path")
    KERNEL_PACKAGE = package_path / "netcourse"
    install_kernelspec(package_path)
    _use_in_process_schema_version()

    for line in sys.stdin:
        replies.write(encode(handle(decode(line, REQUESTS))))
        replies.flush()


if __name__ == "__main__":
    main()
