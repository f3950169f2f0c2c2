"""How grades are written: the documented JSON shape, the CSV, the terminal table."""

import csv

from netcourse.grading.results import CellScore, Outcome, summary_table, to_json, write_csv


def outcomes():
    return [
        Outcome(
            "bob", "00-welcome", 2.0, 2.0, {"t1": CellScore(1.0, 1.0), "t2": CellScore(1.0, 1.0)}
        ),
        Outcome("ann", "00-welcome", 0.0, 2.0, {"t1": CellScore(0.0, 1.0)}, error="not valid JSON"),
        Outcome("cy", "", error="no notebook of any course assignment found"),
    ]


def test_json_has_exactly_the_documented_shape():
    data = to_json(outcomes())
    assert set(data) == {"students", "errors"}
    assert data["students"]["bob"]["00-welcome"] == {
        "score": 2.0,
        "max_score": 2.0,
        "cells": {"t1": {"score": 1.0, "max_score": 1.0}, "t2": {"score": 1.0, "max_score": 1.0}},
    }
    assert data["students"]["cy"] == {}
    assert data["errors"] == [
        {"student": "ann", "assignment": "00-welcome", "reason": "not valid JSON"},
        {"student": "cy", "assignment": "", "reason": "no notebook of any course assignment found"},
    ]


def test_csv_has_a_row_per_student_and_assignment(tmp_path):
    path = tmp_path / "grades.csv"
    write_csv(outcomes(), path)
    rows = list(csv.DictReader(path.open()))
    assert [(r["student"], r["score"], r["error"]) for r in rows] == [
        ("ann", "0.0", "not valid JSON"),
        ("bob", "2.0", ""),
        ("cy", "0.0", "no notebook of any course assignment found"),
    ]


def test_summary_table_lines_up():
    lines = summary_table(outcomes()).splitlines()
    assert lines[0].split() == ["student", "assignment", "score", "time", "note"]
    assert lines[2].startswith("ann ") and "0/2" in lines[2] and "not valid JSON" in lines[2]
    assert lines[4].startswith("cy ") and " - " in lines[4]
