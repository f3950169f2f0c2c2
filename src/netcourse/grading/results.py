"""Scores as the grading run reports them, and how they are written out."""

from __future__ import annotations

import csv
import html
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CellScore:
    score: float
    max_score: float


@dataclass
class Outcome:
    """The grade of one student on one assignment; ``error`` is set when it could not be graded."""

    student: str
    assignment: str
    score: float = 0.0
    max_score: float = 0.0
    cells: dict[str, CellScore] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def to_json(outcomes: list[Outcome]) -> dict:
    """The documented ``--json`` shape: students -> assignments -> scores, plus errors."""
    students: dict[str, dict] = {}
    errors = []
    for o in sorted(outcomes, key=lambda o: (o.student, o.assignment)):
        per_student = students.setdefault(o.student, {})
        if o.assignment:
            per_student[o.assignment] = {
                "score": o.score,
                "max_score": o.max_score,
                "cells": {
                    grade_id: {"score": c.score, "max_score": c.max_score}
                    for grade_id, c in sorted(o.cells.items())
                },
            }
        if o.error:
            errors.append({"student": o.student, "assignment": o.assignment, "reason": o.error})
    return {"students": students, "errors": errors}


def write_json(outcomes: list[Outcome], path: Path) -> None:
    path.write_text(json.dumps(to_json(outcomes), indent=2) + "\n", encoding="utf-8")


CSV_FIELDS = ["student", "assignment", "score", "max_score", "seconds", "error"]


def write_csv(outcomes: list[Outcome], path: Path) -> None:
    """One row per student and assignment, in the order a spreadsheet sorts them."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for o in sorted(outcomes, key=lambda o: (o.student, o.assignment)):
            writer.writerow(
                {
                    "student": o.student,
                    "assignment": o.assignment,
                    "score": o.score,
                    "max_score": o.max_score,
                    "seconds": f"{o.seconds:.1f}",
                    "error": o.error or "",
                }
            )


def summary_table(outcomes: list[Outcome]) -> str:
    """A plain-text table for the terminal: one line per student and assignment."""
    rows = [("student", "assignment", "score", "time", "note")]
    for o in sorted(outcomes, key=lambda o: (o.student, o.assignment)):
        rows.append(
            (
                o.student,
                o.assignment or "-",
                f"{o.score:g}/{o.max_score:g}",
                f"{o.seconds:.1f}s",
                o.error or "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + ("  " + row[4] if row[4] else "")
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def write_error_page(path: Path, outcome: Outcome) -> None:
    """Feedback for a submission that could not be graded: the score and the reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(outcome.assignment)}: feedback</title></head><body>"
        f"<h1>{html.escape(outcome.assignment)}</h1>"
        f"<p>Score: {outcome.score:g} / {outcome.max_score:g}</p>"
        f"<p>Your submission could not be graded: {html.escape(outcome.error or '')}</p>"
        "</body></html>\n",
        encoding="utf-8",
    )
