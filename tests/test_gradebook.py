"""Scores recorded in an nbgrader gradebook: exact side by side, and what the formgrader needs.

The class is graded as on a JupyterHub: submissions collected by nbgrader
(with ``timestamp.txt`` and ``submission_secret.txt``) into the course's
``submitted/``, and a global nbgrader config that names JupyterHub's
authenticator, which fails outside a hub server. The formgrader must then
count every submission as graded, and ``nbgrader release_feedback`` must
release every page. The run is ``--unsandboxed``, so that path is covered too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from .conftest import ROOT

pytestmark = pytest.mark.slow
ASSIGNMENT = "00-welcome"
COURSE_ID = "sockets-to-coroutines"
SOLVED = [f"solved-{i}" for i in range(3)]
BLANK = [f"blank-{i}" for i in range(3)]
HUB_CONFIG = """\
from nbgrader.auth import JupyterHubAuthPlugin
c = get_config()
c.Authenticator.plugin_class = JupyterHubAuthPlugin
c.CourseDirectory.db_url = "sqlite:////nonexistent/hub-gradebook.db"
"""


def grade_into(course, hub_config):
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(hub_config)}
    env.pop("JUPYTERHUB_USER", None)
    result = subprocess.run(
        [sys.executable, "-m", "netcourse", "grade", "submitted", "--assignment", ASSIGNMENT,
         "--jobs", "2", "--gradebook", "gradebook.db", "--feedback", "feedback", "--json",
         "grades.json", "--unsandboxed", "--course", str(ROOT)],
        cwd=course, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def submissions(gradebook):
    with Gradebook(f"sqlite:///{gradebook}", COURSE_ID) as gb:
        return sorted(
            (s.student.id, s.score, s.max_score, str(s.timestamp))
            for s in gb.find_assignment(ASSIGNMENT).submissions
        )


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder as the hub trial left it, graded twice, and its hub config."""
    course = tmp_path_factory.mktemp("course")
    hub = tmp_path_factory.mktemp("hub-config")
    (hub / "nbgrader_config.py").write_text(HUB_CONFIG)
    for i, student in enumerate(SOLVED + BLANK):
        tree = "solutions" if student in SOLVED else "notebooks"
        folder = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(ROOT / tree / ASSIGNMENT, folder)
        (folder / "timestamp.txt").write_text(f"2026-12-01 11:3{i}:41.425122 UTC")
        (folder / "submission_secret.txt").write_text(f"secret-of-{student}")
    first = grade_into(course, hub)
    recorded = submissions(course / "gradebook.db")
    second = grade_into(course, hub)  # grading again replaces, never duplicates
    return {"root": course, "first": first, "second": second, "recorded": recorded}


def test_side_by_side_grading_records_each_submission_once_and_exactly(course):
    assert f"{len(SOLVED + BLANK)} submissions recorded" in course["first"].stderr
    recorded = course["recorded"]
    assert [r[0] for r in recorded] == sorted(SOLVED + BLANK)
    for student, score, max_score, timestamp in recorded:
        assert max_score > 0
        assert score == (max_score if student.startswith("solved") else 0), student
        assert timestamp.startswith("2026-12-01 11:3"), timestamp  # from timestamp.txt
    assert submissions(course["root"] / "gradebook.db") == recorded


def test_an_unsandboxed_run_grades_alike_and_says_so(course):
    assert "UNSANDBOXED" in course["first"].stdout.splitlines()[-1]
    grades = json.loads((course["root"] / "grades.json").read_text())
    assert grades["sandboxed"] is False and grades["errors"] == []


def test_the_formgrader_sees_every_submission_graded(course):
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course["root"])
    config.CourseDirectory.course_id = COURSE_ID
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert api.get_autograded_students(ASSIGNMENT) == set(SOLVED + BLANK)
    for student in SOLVED + BLANK:
        submission = api.get_submission(ASSIGNMENT, student)
        assert submission["autograded"], submission
        assert submission["score"] == (submission["max_score"] if student in SOLVED else 0)
        assert not submission["needs_manual_grade"], submission


def test_nbgrader_releases_every_feedback_page(course, tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "release_feedback", ASSIGNMENT,
         f"--Exchange.root={exchange}", f"--CourseDirectory.root={course['root']}",
         f"--CourseDirectory.course_id={COURSE_ID}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    released = list((exchange / COURSE_ID / "feedback").glob("*.html"))
    assert len(released) == len(SOLVED + BLANK)
