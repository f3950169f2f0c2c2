"""The hub trial's own parts (autograder/hub_trial): what its students hand in, what it
must score, how it spots hidden tests, what it checks after grading and its config files.

The trial itself (`make hub-trial`) creates Linux accounts and runs as root, so it
is a step of its own in `.ci/run`, not a test; these tests keep its expectations in
step with the notebooks, so that a change to a notebook fails here first.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, load_json, run_netcourse

AUTOGRADER = ROOT / "autograder"


def trial(module: str):
    """A module of autograder/hub_trial (a folder of scripts, not part of the package)."""
    if str(AUTOGRADER) not in sys.path:
        sys.path.insert(0, str(AUTOGRADER))
    return importlib.import_module(f"hub_trial.{module}")


def released(assignment: str) -> dict:
    notebook = ROOT / "notebooks" / assignment / f"{assignment}.ipynb"
    return json.loads(notebook.read_text(encoding="utf-8"))


def handed_in(root: Path) -> Path:
    """The trial's three students' notebooks, laid out as SUBMISSIONS/<student>/<a>/<a>.ipynb."""
    answers, plan = trial("answers"), trial("plan")
    for student, kind in plan.STUDENTS.items():
        for a in plan.ASSIGNMENTS:
            notebook = released(a)
            answers.answer(notebook, kind, answers.solution_bodies(ROOT / "solutions", a))
            folder = root / student / a
            folder.mkdir(parents=True)
            shutil.copytree(ROOT / "notebooks" / a, folder, dirs_exist_ok=True)
            (folder / f"{a}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return root


def test_every_kind_of_answer_fits_the_released_notebooks():
    answers, plan = trial("answers"), trial("plan")
    answer_cells = set()
    for a in plan.ASSIGNMENTS:
        bodies = answers.solution_bodies(ROOT / "solutions", a)
        assert bodies and not any("SOLUTION" in body for body in bodies.values())
        answer_cells |= set(bodies)
        assert answers.answer(released(a), "right", bodies) == len(bodies)
        assert answers.answer(released(a), "blank", bodies) == 0
    assert set(answers.WRONG) <= answer_cells, "a wrong answer names no answer cell"
    assert set(plan.STUDENTS.values()) == set(answers.EXPECTED)


def test_the_hidden_test_detector_finds_them_in_the_solution_and_not_in_the_release():
    from nbconvert import HTMLExporter

    answers, plan = trial("answers"), trial("plan")
    for a in plan.ASSIGNMENTS:
        lines = answers.hidden_lines(ROOT / "solutions", a)
        assert lines, f"{a} has no hidden tests"
        solution, _ = HTMLExporter().from_filename(str(ROOT / "solutions" / a / f"{a}.ipynb"))
        assert len(answers.hidden_shown(solution, lines)) == len(lines) + 1
        release, _ = HTMLExporter().from_filename(str(ROOT / "notebooks" / a / f"{a}.ipynb"))
        assert answers.hidden_shown(release, lines) == []


def test_a_feedback_header_gives_its_score():
    answers = trial("answers")
    page = '<h1>00-welcome</h1><span class="score">(Score: 1.0 / 2.0)</span>'
    assert answers.score_shown(page) == (1.0, 2.0)
    assert answers.score_shown("<p>no score</p>") is None


def test_the_checks_after_grading_find_what_the_formgrader_and_release_feedback_lack(tmp_path):
    checks = trial("checks")
    scores = {"ann": {"00": {"score": 2.0}}, "bob": {"00": {"score": 0.0}}}
    listed = {
        "ann": {"00": {"score": 2.0, "autograded": True}},
        "bob": {"00": {"score": 0.0, "autograded": False}},
    }
    assert checks.formgrader_gaps(listed, scores) == ["bob 00"]
    assert checks.formgrader_gaps({}, scores) == ["ann 00", "bob 00"]

    page = tmp_path / "feedback" / "ann" / "00" / "00.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    assert checks.feedback_gaps(tmp_path) == [page.parent]
    for name in checks.FEEDBACK_FILES:
        (page.parent / name).write_text(name)
    assert checks.feedback_gaps(tmp_path) == []


def test_the_config_files_the_trial_writes_are_python():
    pytest.importorskip("pwd")  # the trial's machine side is POSIX only
    hub, configure = trial("hub"), trial("configure")
    ports = {"proxy": 8000, "proxy_api": 8001, "hub": 8081}
    config = hub.hub_config(ports, "token", "sockets-to-coroutines")
    compile(config, "jupyterhub_config.py", "exec")
    assert "127.0.0.1" in config and "0.0.0.0" not in config
    compile(configure.global_nbgrader_config(), "nbgrader_config.py", "exec")


def test_the_summary_line_names_students_assignments_scores_and_seconds():
    pytest.importorskip("fcntl")
    main = trial("__main__")
    scores = {
        "nctrial-ann": {
            "00-welcome": {"score": 2.0, "max_score": 2.0},
            "02-tcp-sockets": {"score": 9.0, "max_score": 9.0},
        }
    }
    line = main.summary(True, scores, 123.4)
    assert line == (
        "hub-trial: PASSED: 3 students, 2 assignments (00-welcome, 02-tcp-sockets), "
        "scores ann (right) 00=2/2 02=9/9; 123 s"
    )


@pytest.mark.slow
def test_the_trial_students_score_what_the_trial_expects(tmp_path):
    answers, plan = trial("answers"), trial("plan")
    submissions = handed_in(tmp_path / "submitted")
    grades = tmp_path / "grades.json"
    result = run_netcourse(
        "grade",
        str(submissions),
        "--jobs",
        "2",
        "--json",
        str(grades),
        "--csv",
        str(tmp_path / "grades.csv"),
        "--feedback",
        str(tmp_path / "feedback"),
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    got = load_json(grades)["students"]
    for student, kind in plan.STUDENTS.items():
        for a in plan.ASSIGNMENTS:
            assert got[student][a]["score"] == answers.EXPECTED[kind][a], (student, a)
