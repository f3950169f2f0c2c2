"""The grading kernel keeps an honest mistake from costing the whole notebook."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX fork")
def test_the_fork_budget_is_shared_by_the_whole_process_tree():
    result = run_python(
        """
        import os, subprocess, sys
        from netcourse.grading.kernel import limit_forks
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
        from netcourse.grading.kernel import refuse_kernel_wedges
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
