"""The netcourse command line: help, one-line errors, and what `lab` runs."""

import os
import sys

import pytest

from netcourse import commands as cli
from netcourse.course.lab import lab_command
from netcourse.course.paths import Course, find_course

from .conftest import ROOT, run_netcourse

SUBCOMMANDS = ["doctor", "lab", "release", "grade"]


@pytest.mark.parametrize("command", [[], *[[c] for c in SUBCOMMANDS]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage: netcourse" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["release", "99-nope"], "unknown assignment '99-nope'"),
        (["release", "--check", "99-nope"], "unknown assignment '99-nope'"),
        (["grade", "/no/such/folder"], "no such folder: /no/such/folder"),
        (["grade", str(ROOT / "solutions"), "--assignment", "99-nope"], "unknown assignment"),
        (["grade", str(ROOT / "solutions"), "--jobs", "0"], "--jobs must be at least 1"),
        (["grade", str(ROOT / "solutions"), "--timeout", "-1"], "must be positive"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["doctor", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_arguments_give_one_line_and_a_nonzero_exit(argv, phrase, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as exited:
        code = exited.code
    err = capsys.readouterr().err
    assert code == 2
    assert phrase in err
    assert len(err.strip().splitlines()) == 1, err


def test_feedback_inside_the_submissions_is_refused(tmp_path, capsys):
    assert cli.main(["grade", str(tmp_path), "--feedback", str(tmp_path / "fb")]) == 2
    assert "must not lie inside SUBMISSIONS" in capsys.readouterr().err


def test_lab_serves_the_course_root_and_opens_notebooks():
    course = Course(ROOT)
    command = lab_command(course, 8899, False, ["--ServerApp.token=secret"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT}" in command
    assert "--LabApp.default_url=/lab/tree/notebooks" in command
    assert "--ServerApp.port=8899" in command
    assert "--ServerApp.open_browser=False" in command
    assert command[-1] == "--ServerApp.token=secret"
    assert ("--allow-root" in command) == (hasattr(os, "geteuid") and os.geteuid() == 0)


def test_the_course_is_found_from_a_subfolder_and_elsewhere(tmp_path):
    assert find_course(ROOT / "solutions").root == ROOT
    assert find_course(tmp_path).root == ROOT  # the editable install's own tree
    assert "00-welcome" in Course(ROOT).assignments()


def test_doctor_command_prints_a_verdict():
    result = run_netcourse("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: ready" in result.stdout
