"""Scores as the grading run reports them, and how they are written out."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class CellScore:
    score: float
    max_score: float


@dataclass
class Outcome:
    """The grade of one student on one assignment; ``error`` is set when it could not be graded.

    ``review`` lists what in the submission's own code an instructor should
    read by hand (review.py), and the test cells the scoring rule failed.
    """

    student: str
    assignment: str
    score: float = 0.0
    max_score: float = 0.0
    cells: dict[str, CellScore] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    review: list[str] = field(default_factory=list)
    timestamp: str | None = None  # nbgrader's timestamp.txt of the submission, if any


def to_json(outcomes: list[Outcome], sandboxed: bool = True) -> dict:
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
                "review": o.review,
            }
        if o.error:
            errors.append({"student": o.student, "assignment": o.assignment, "reason": o.error})
    return {"students": students, "errors": errors, "sandboxed": sandboxed}


def write_json(outcomes: list[Outcome], path: Path, sandboxed: bool = True) -> None:
    text = json.dumps(to_json(outcomes, sandboxed), indent=2) + "\n"
    path.write_text(text, encoding="utf-8")


CSV_FIELDS = ["student", "assignment", "score", "max_score", "seconds", "error", "review"]


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
                    "review": "; ".join(o.review),
                }
            )


def summary_table(outcomes: list[Outcome]) -> str:
    """A plain-text table for the terminal: one line per student and assignment."""
    rows = [("student", "assignment", "score", "time", "review", "note")]
    for o in sorted(outcomes, key=lambda o: (o.student, o.assignment)):
        rows.append(
            (
                o.student,
                o.assignment or "-",
                f"{o.score:g}/{o.max_score:g}",
                f"{o.seconds:.1f}s",
                str(len(o.review)) if o.review else "",
                o.error or "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True))
        + ("  " + row[5] if row[5] else "")
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def summary_line(outcomes: list[Outcome], sandboxed: bool) -> str:
    """The last word on a run: how many, how many failed, how many to read by hand."""
    failed = sum(1 for o in outcomes if o.error)
    flagged = sum(1 for o in outcomes if o.review)
    line = f"{len(outcomes)} submissions, {failed} with errors, {flagged} to review by hand"
    if not sandboxed:
        line += "; UNSANDBOXED: submissions ran with the grader's own rights"
    return line
