"""How grades are written: the documented JSON shape, the CSV, the terminal table."""

import csv

from netcourse.grading.progress import Progress, finished_line
from netcourse.grading.results import (
    CellScore,
    Outcome,
    summary_line,
    summary_table,
    to_json,
    write_csv,
)

NOTE = "frame-line, line 2: the displayhook (sys.displayhook('graded'))"


def outcomes():
    return [
        Outcome(
            "bob",
            "00-welcome",
            2.0,
            2.0,
            {"t1": CellScore(1.0, 1.0), "t2": CellScore(1.0, 1.0)},
            review=[NOTE],
        ),
        Outcome("ann", "00-welcome", 0.0, 2.0, {"t1": CellScore(0.0, 1.0)}, error="not valid JSON"),
        Outcome("cy", "", error="no notebook of any course assignment found"),
    ]


def test_json_has_exactly_the_documented_shape():
    data = to_json(outcomes(), sandboxed=False)
    assert set(data) == {"students", "errors", "sandboxed"}
    assert data["sandboxed"] is False
    assert data["students"]["bob"]["00-welcome"] == {
        "score": 2.0,
        "max_score": 2.0,
        "cells": {"t1": {"score": 1.0, "max_score": 1.0}, "t2": {"score": 1.0, "max_score": 1.0}},
        "review": [NOTE],
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
    assert [(r["student"], r["score"], r["error"], r["review"]) for r in rows] == [
        ("ann", "0.0", "not valid JSON", ""),
        ("bob", "2.0", "", NOTE),
        ("cy", "0.0", "no notebook of any course assignment found", ""),
    ]


def test_summary_table_lines_up():
    lines = summary_table(outcomes()).splitlines()
    assert lines[0].split() == ["student", "assignment", "score", "time", "review", "note"]
    assert lines[2].startswith("ann ") and "0/2" in lines[2] and "not valid JSON" in lines[2]
    assert lines[3].split()[-1] == "1"  # bob: one thing to review
    assert lines[4].startswith("cy ") and " - " in lines[4]
    assert summary_line(outcomes(), sandboxed=True) == (
        "3 submissions, 2 with errors, 1 to review by hand"
    )
    assert "UNSANDBOXED" in summary_line(outcomes(), sandboxed=False)


def test_progress_in_a_log_is_plain_lines(tmp_path):
    log = tmp_path / "log"
    with log.open("w") as stream:
        progress = Progress(stream)
        progress.begin(2)
        progress.started("bob", "00-welcome")
        progress.finished(outcomes()[0])
        progress.end()
    assert log.read_text().splitlines() == [
        "grading 2 submissions",
        "grading bob 00-welcome",
        "bob 00-welcome: 2/2 in 0.0 s, 1 to review",
    ]
    assert finished_line(outcomes()[1]) == "ann 00-welcome: 0/2 in 0.0 s (not valid JSON)"


def test_progress_on_a_terminal_names_what_is_graded_now(monkeypatch, capsys):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    progress = Progress(screen)
    progress.begin(3)
    progress.started("ann", "00-welcome")
    progress.started("bob", "02-tcp-sockets")
    assert "now: ann 00-welcome, bob 02-tcp-sockets" in screen.getvalue()
    progress.finished(outcomes()[0])
    progress.end()
    assert "bob 00-welcome: 2/2" in screen.getvalue() and "1/3" in screen.getvalue()
