"""The grading kernel's guard: tampering is undone before cells and caught during test cells."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import pytest
from IPython.core.interactiveshell import InteractiveShell

import netcourse
from netcourse.checks import warmup
from netcourse.checks.harness import core
from netcourse.grading.guard import SEAL_MIME, Guard, cell_digest, seal_mac, verify_seals

KEY = b"k" * 32
TEST_CELL = '"""a check"""\nnc.checks.warmup.check_frame_line(frame_line).require()'


class Published:
    def __init__(self):
        self.outputs = []

    def publish(self, data, metadata=None, **kwargs):
        self.outputs.append(data)


@pytest.fixture
def guard():
    shell = InteractiveShell.instance()
    shell.display_pub = Published()
    guard = Guard(shell, KEY, frozenset({cell_digest(TEST_CELL)}))
    guard.snapshot.sys_objects.clear()  # leave pytest's own capture of stdout/stderr alone
    yield guard
    guard.restore()


def test_an_untouched_state_has_no_changes_and_a_test_cell_gets_a_valid_seal(guard):
    assert guard.changes() == []
    guard.after_cell(TEST_CELL)
    seal = guard.shell.display_pub.outputs[-1][SEAL_MIME]
    assert seal == {"cell": cell_digest(TEST_CELL), "mac": seal_mac(KEY, cell_digest(TEST_CELL))}


def test_other_cells_get_no_seal(guard):
    guard.after_cell("x = 1")
    assert guard.shell.display_pub.outputs == []


@pytest.mark.parametrize(
    "tamper",
    [
        "replace a checker",
        "rebind nc",
        "patch a method",
        "rewrite code",
        "patch socket",
        "replace a module",
        "rewrite cells",
        "trace",
    ],
)
def test_tampering_is_seen_and_undone(guard, tamper, capsys):
    original_check = warmup.check_frame_line
    original_require = core.Report.require
    original_code = warmup._returns_bytes.__code__
    shell = guard.shell
    if tamper == "replace a checker":
        warmup.check_frame_line = lambda f: None
    elif tamper == "rebind nc":
        shell.user_ns["nc"] = object()
    elif tamper == "patch a method":
        core.Report.require = lambda self, *ids: None
    elif tamper == "rewrite code":
        warmup._returns_bytes.__code__ = (lambda frame_line: None).__code__
    elif tamper == "patch socket":
        socket.socket.recv_into = lambda self, *a: 0
    elif tamper == "replace a module":
        sys.modules["netcourse.checks.warmup"] = object()
    elif tamper == "rewrite cells":
        shell.input_transformers_post.append(lambda lines: ["pass\n"])
    elif tamper == "trace":
        sys.setprofile(lambda *a: None)
    if tamper != "rebind nc":
        assert guard.changes(), "the change went unseen"
    guard.before_cell()
    assert guard.changes() == []
    assert warmup.check_frame_line is original_check
    assert core.Report.require is original_require
    assert warmup._returns_bytes.__code__ is original_code
    assert shell.user_ns["nc"] is netcourse
    assert sys.modules["netcourse.checks.warmup"] is warmup
    assert "recv_into" not in vars(socket.socket)
    assert shell.input_transformers_post == guard.snapshot.shell_lists["input_transformers_post"]


def test_tampering_during_a_test_cell_costs_its_seal_and_says_so(capsys, guard):
    guard.complaints = sys.stderr
    original = core.Report.require
    core.Report.require = lambda self, *ids: None
    guard.after_cell(TEST_CELL)
    assert guard.shell.display_pub.outputs == []
    err = capsys.readouterr().err
    assert "tampered with" in err and "Report.require" in err and "scores 0" in err
    assert core.Report.require is original and guard.changes() == []


def cell(source, outputs, grade=True):
    meta = {"nbgrader": {"grade": grade, "solution": False, "grade_id": "t1"}}
    return {"cell_type": "code", "source": source, "metadata": meta, "outputs": outputs}


def test_verify_seals_accepts_only_a_seal_for_this_cell_under_this_key():
    digest = cell_digest(TEST_CELL)
    good = {
        "output_type": "display_data",
        "data": {SEAL_MIME: {"cell": digest, "mac": seal_mac(KEY, digest)}},
    }
    forged = {"output_type": "display_data", "data": {SEAL_MIME: {"cell": digest, "mac": "0" * 64}}}
    other = {
        "output_type": "display_data",
        "data": {SEAL_MIME: {"cell": "x", "mac": seal_mac(KEY, "x")}},
    }
    assert verify_seals([cell(TEST_CELL, [good])], KEY) == []
    assert verify_seals([cell(TEST_CELL, [forged])], KEY) == ["t1"]
    assert verify_seals([cell(TEST_CELL, [other])], KEY) == ["t1"]
    assert verify_seals([cell(TEST_CELL, [])], KEY) == ["t1"]
    assert verify_seals([cell("x = 1", [], grade=False)], KEY) == []


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX fork")
def test_the_fork_budget_is_shared_by_the_whole_process_tree():
    result = run_python(
        """
        import os, subprocess, sys
        from netcourse.grading.guard import limit_forks
        limit_forks(3, os.getpid())
        pid = os.fork()
        if pid == 0:  # the child spends one more from the same budget
            grandchild = os.fork()
            if grandchild == 0:
                os._exit(0)
            os.waitpid(grandchild, 0)
            os._exit(0)
        os.waitpid(pid, 0)
        subprocess.run([sys.executable, "-c", "pass"])  # the third
        try:
            os.fork()
        except BlockingIOError as exc:
            print("refused:", exc)
        """
    )
    assert "refused:" in result.stdout, result.stderr
    assert "processes it may start" in result.stdout


def test_os_exit_in_the_kernel_is_refused_but_children_may_exit():
    result = run_python(
        """
        import os
        from netcourse.grading.guard import refuse_kernel_wedges
        refuse_kernel_wedges(os.getpid())
        if hasattr(os, "fork"):
            pid = os.fork()
            if pid == 0:
                os._exit(7)
            print("child exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        try:
            os._exit(1)
        except SystemExit as exc:
            print("refused:", exc)
        from gevent import monkey
        try:
            monkey.patch_all()
        except RuntimeError as exc:
            print("gevent:", exc)
        """
    )
    assert "refused: os._exit(1) is refused" in result.stdout, result.stderr
    assert "gevent: gevent.monkey.patch_all() wedges" in result.stdout
    if sys.platform != "win32":
        assert "child exit 7" in result.stdout
