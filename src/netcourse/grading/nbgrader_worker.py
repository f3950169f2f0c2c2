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

from ..nbgrader_run import last_error_line


def _api(root: Path, budget: float | None = None):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.apps.baseapp import NbGrader
    from nbgrader.coursedir import CourseDirectory

    os.chdir(root)  # nbgrader reads nbgrader_config.py from the working directory
    app = NbGrader()
    app.load_config_file()
    if budget is not None:
        app.config.BudgetedExecute.notebook_budget = budget
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


def generate(root: Path, assignment: str) -> dict[str, Any]:
    """Record an assignment's source in the gradebook; answer with its points per cell."""
    api = _api(root)
    result = _logged(
        f"generate_assignment {assignment}",
        api.generate_assignment(assignment, force=True, create=True),
    )
    if not result["success"]:
        return {"ok": False, "error": _failure(result)}
    with _gradebook(api) as gradebook:
        record = gradebook.find_assignment(assignment)
        cells = {
            cell.name: float(cell.max_score)
            for notebook in record.notebooks
            for cell in notebook.grade_cells
        }
        return {"ok": True, "max_score": float(record.max_score), "cells": cells}


def _scores(api, assignment: str, student: str) -> dict[str, Any] | None:
    from nbgrader.api import MissingEntry

    with _gradebook(api) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        cells = {
            grade.name: [float(grade.score or 0.0), float(grade.max_score)]
            for notebook in submission.notebooks
            for grade in notebook.grades
            if grade.max_score
        }
        return {"score": float(submission.score), "cells": cells}


def autograde(
    root: Path, assignment: str, student: str, feedback: bool, budget: float
) -> dict[str, Any]:
    """Autograde one submission and, if asked, write its feedback; answer with the scores."""
    api = _api(root, budget)
    result = _logged(
        f"autograde {assignment} {student}",
        api.autograde(assignment, student, force=True, create=True),
    )
    reply: dict[str, Any] = {
        "ok": bool(result["success"]),
        "error": None if result["success"] else _failure(result),
        "scores": _scores(api, assignment, student),
        "feedback": None,
    }
    if feedback and reply["scores"] is not None:
        produced = _logged(
            f"generate_feedback {assignment} {student}",
            api.generate_feedback(assignment, student, force=True),
        )
        if produced["success"]:
            reply["feedback"] = str(root / "feedback" / student / assignment)
        else:
            reply["error"] = reply["error"] or f"feedback failed: {_failure(produced)}"
    return reply


def handle(request: dict[str, Any]) -> dict[str, Any]:
    root = Path(request["root"])
    if request["op"] == "generate":
        return generate(root, request["assignment"])
    if request["op"] == "autograde":
        return autograde(
            root, request["assignment"], request["student"], request["feedback"], request["budget"]
        )
    return {"ok": False, "error": f"unknown request {request['op']!r}"}


def main() -> None:
    # Replies go out on a private copy of stdout; whatever else prints lands in the log.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    import nbgrader.apps.api  # noqa: F401 -- the slow import, done before the first request

    for line in sys.stdin:
        try:
            reply = handle(json.loads(line))
        except Exception as exc:
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
