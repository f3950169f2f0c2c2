"""The netcourse command line: help, one-line errors, and what `lab` runs."""

import json
import os
import sys
from pathlib import Path

import pytest

from netcourse import commands as cli
from netcourse.course.lab import Lab, course_lab, lab_command, lab_env, lab_for
from netcourse.course.paths import Course, find_course
from netcourse.errors import UsageError

from .conftest import ROOT, run_netcourse

SUBCOMMANDS = ["doctor", "lab", "release", "kit", "site", "grade"]


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
        (["site", "--notebook-budget", "0"], "must be positive"),
        (["site", "--kit", "/no/such/kit"], "no student kit in /no/such/kit"),
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
    command = lab_command(course_lab(Course(ROOT)), 8899, False, ["--ServerApp.token=secret"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT}" in command
    assert "--LabApp.default_url=/lab/tree/notebooks" in command
    assert "--ServerApp.port=8899" in command
    assert "--ServerApp.open_browser=False" in command
    assert command[-1] == "--ServerApp.token=secret"
    assert ("--allow-root" in command) == (hasattr(os, "geteuid") and os.geteuid() == 0)


def unpacked(folder, *notebooks: str):
    for name in notebooks:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("{}")
    return folder


@pytest.mark.parametrize(
    ("notebooks", "start"),
    [
        (["01-x/01-x.ipynb"], "01-x/01-x.ipynb"),  # one unpacked assignment: open it
        (["01-x.ipynb"], "01-x.ipynb"),  # run inside the assignment's folder
        (["00-a/00-a.ipynb", "01-b/01-b.ipynb"], ""),  # notebooks/ alone
        (["notebooks/00-a/00-a.ipynb", "notebooks/01-b/01-b.ipynb"], "notebooks"),  # no solutions/
        (["01-x/01-x.ipynb", ".ipynb_checkpoints/01-x-checkpoint.ipynb"], "01-x/01-x.ipynb"),
    ],
)
def test_lab_in_a_folder_of_notebooks_needs_no_course(tmp_path, notebooks, start):
    lab = lab_for(unpacked(tmp_path, *notebooks))
    assert lab == Lab(tmp_path, start, course=False)
    command = lab_command(lab, None, True, [])
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert f"--LabApp.default_url=/lab/tree/{start}".rstrip("/") in command
    config = json.loads((lab.config_path[0] / "jupyter_server_config.json").read_text())
    extensions = config["ServerApp"]["jpserver_extensions"]
    for name in ("formgrader", "assignment_list", "course_list"):
        assert extensions[f"nbgrader.server_extensions.{name}"] is False


def test_lab_in_a_course_or_below_it_serves_the_course(tmp_path):
    course = unpacked(tmp_path, "solutions/00-a/00-a.ipynb", "notebooks/00-a/00-a.ipynb")
    (course / "nbgrader_config.py").write_text("")
    for folder in (course, course / "notebooks" / "00-a"):
        assert lab_for(folder) == Lab(course, "notebooks", course=True)


def test_lab_settings_go_on_the_jupyter_config_path_of_this_server_only(tmp_path):
    for lab in (course_lab(Course(tmp_path)), Lab(tmp_path, "", course=False)):
        env = lab_env(lab)
        paths = env["JUPYTER_CONFIG_PATH"].split(os.pathsep)
        assert [Path(p) for p in paths[:2]] == lab.config_path
        assert all(path.is_dir() for path in lab.config_path)
        assert ("NETCOURSE_EXCHANGE" in env) == lab.course
    assert "JUPYTER_CONFIG_PATH" not in os.environ or os.environ["JUPYTER_CONFIG_PATH"] in paths


def test_lab_where_there_are_no_notebooks_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr("netcourse.course.lab.find_course", _no_course)
    with pytest.raises(UsageError, match=r"no notebooks in .* unpack an assignment"):
        lab_for(tmp_path)
    with pytest.raises(UsageError, match="is not a folder"):
        lab_for(tmp_path / "missing")


def _no_course(start):
    raise UsageError("no course")


def test_the_course_is_found_from_a_subfolder_and_elsewhere(tmp_path):
    assert find_course(ROOT / "solutions").root == ROOT
    assert find_course(tmp_path).root == ROOT  # the editable install's own tree
    assert "00-welcome" in Course(ROOT).assignments()


def test_doctor_command_prints_a_verdict():
    result = run_netcourse("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: ready" in result.stdout
