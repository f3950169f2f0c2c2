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

from ..course.nbgrader import last_error_line
from ..course.paths import CONFIG_FILE
from .limits import LIMITS_VARIABLE
from .protocol import (
    GRADEBOOK,
    REQUESTS,
    Autograde,
    Autograded,
    Generate,
    Generated,
    Scores,
    decode,
    encode,
)

KERNEL_ARGV = [sys.executable, "-m", "netcourse.grading.kernel", "-f", "{connection_file}"]
HOME_VARIABLE = "NETCOURSE_WORKER_HOME"  # the worker's own folder (settings, kernels, log)
KERNELS_DIR = "kernels"  # in the worker's home: each kernel's own folder while it runs


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


def install_kernelspec() -> None:
    """Make ``python3``, the kernel the notebooks name, the grading kernel here.

    The folder is this worker's private JUPYTER_DATA_DIR, which Jupyter searches
    before any other, so the grader's own kernels are never touched.
    """
    spec = {
        "argv": KERNEL_ARGV,
        "display_name": "Python 3 (graded by netcourse)",
        "language": "python",
    }
    folder = Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def _api(root: Path, request: Autograde | None = None):
    """nbgrader's API on the scratch course at ``root``, configured for grading ``request``."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.auth import NoAuthPlugin
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    from .execute import GradingExecute
    from .pipeline import FEEDBACK_STEPS, autograde_steps, sanitize_steps

    os.chdir(root)
    # The course's own config only: a hub's global nbgrader config (an
    # authenticator that needs JUPYTERHUB_USER, another course root or
    # gradebook) must not change how a scratch course grades.
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    config.Authenticator.plugin_class = NoAuthPlugin
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / GRADEBOOK}"
    config.Autograde.sanitize_preprocessors = sanitize_steps()
    config.Autograde.autograde_preprocessors = autograde_steps(GradingExecute)
    config.GenerateFeedback.preprocessors = FEEDBACK_STEPS
    config.HTMLExporter.sanitize_html = True
    if request is not None:
        config.BudgetedExecute.notebook_budget = request.budget
        if request.cell_timeout is not None:
            config.BudgetedExecute.timeout = int(request.cell_timeout)
        config.GradingKernelManager.sandbox = request.sandboxed
        config.GradingKernelManager.root = str(Path(os.environ[HOME_VARIABLE]) / KERNELS_DIR)
        config.GradingKernelManager.limits = request.limits.as_dict()
    coursedir = CourseDirectory(config=config, root=str(root))
    return NbGraderAPI(coursedir=coursedir, config=config)


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


def _overruled(api, assignment: str, student: str) -> dict[str, list[str]]:
    """Test cells the course's scoring rule failed where nbgrader's own rule passed them."""
    import nbformat

    from .scoring import overruled

    found: dict[str, list[str]] = {}
    folder = Path(api.coursedir.format_path("autograded", student, assignment))
    for path in sorted(folder.glob("*.ipynb")):
        found |= overruled(nbformat.read(path, as_version=4).cells)
    return found


def autograde(request: Autograde) -> Autograded:
    """Autograde one submission, each kernel in a sandbox; write its feedback; send the scores.

    Everything here runs outside the sandbox, and nbgrader writes the graded
    notebook and the gradebook only once the kernel's manager has seen every
    process of the sandbox end, so nothing the submission started can change
    them.
    """
    root, assignment, student = Path(request.root), request.assignment, request.student
    api = _api(root, request)
    os.environ[LIMITS_VARIABLE] = json.dumps(request.limits.as_dict())
    result = _logged(
        f"autograde {assignment} {student}",
        api.autograde(assignment, student, force=True, create=True),
    )
    error = None if result["success"] else _failure(result)
    scores = _scores(api, assignment, student)
    overruled = _overruled(api, assignment, student) if scores is not None else {}
    if not request.feedback or scores is None:
        return Autograded(scores, error, overruled=overruled)
    produced = _logged(
        f"generate_feedback {assignment} {student}",
        api.generate_feedback(assignment, student, force=True),
    )
    if not produced["success"]:
        error = error or f"feedback failed: {_failure(produced)}"
    return Autograded(scores, error, produced["success"], overruled)


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

    install_kernelspec()
    _use_in_process_schema_version()
    for line in sys.stdin:
        replies.write(encode(handle(decode(line, REQUESTS))))
        replies.flush()


if __name__ == "__main__":
    main()
