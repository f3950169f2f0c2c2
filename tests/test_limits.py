"""Resource limits and the pids control group hold for a grading kernel and its children."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from netcourse.grading.cgroups import TaskCgroup
from netcourse.grading.limits import KernelLimits, tasks_of_user

posix_only = pytest.mark.skipif(os.name != "posix", reason="resource limits are POSIX")


def run_limited(limits: KernelLimits, code: str) -> subprocess.CompletedProcess:
    program = "from netcourse.grading.limits import KernelLimits, apply\n"
    program += f"apply(KernelLimits(**{limits.as_dict()!r}))\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )


@posix_only
def test_memory_and_file_size_limits_turn_into_python_errors(tmp_path):
    limits = KernelLimits(memory_bytes=1 * 2**30, file_bytes=2**20)
    result = run_limited(
        limits,
        f"""
        try:
            block = bytearray(2 * 2**30)
        except MemoryError:
            print("memory refused")
        try:
            open({str(tmp_path / "big")!r}, "wb").write(b"x" * 2 * 2**20)
        except OSError as exc:
            print("file refused", exc.errno)
        """,
    )
    assert "memory refused" in result.stdout, result.stderr
    assert "file refused 27" in result.stdout  # EFBIG


@posix_only
def test_cpu_limit_ends_a_spinning_process():
    result = run_limited(KernelLimits(cpu_seconds=1), "while True:\n    pass\n")
    assert result.returncode != 0  # SIGXCPU


def test_tasks_of_user_counts_this_process():
    if not hasattr(os, "getuid"):
        pytest.skip("POSIX users")
    assert tasks_of_user(os.getuid()) >= 1


def test_a_pids_control_group_caps_forks_and_kills_what_is_left():
    cgroup = TaskCgroup.create(f"netcourse-test-{os.getpid()}", 10)
    if cgroup is None:
        pytest.skip("no pids control group here (needs root on Linux)")
    try:
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                textwrap.dedent(
                    f"""
                    import os, time
                    open({str(cgroup.path / "cgroup.procs")!r}, "w").write(str(os.getpid()))
                    started = refused = 0
                    for _ in range(30):
                        try:
                            if os.fork() == 0:
                                time.sleep(60)
                                os._exit(0)
                            started += 1
                        except OSError:
                            refused += 1
                    print(started, refused, flush=True)
                    time.sleep(60)
                    """
                ),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        started, refused = map(int, child.stdout.readline().split())
        assert started < 10 and refused > 0
        assert len(cgroup.pids()) == started + 1
        assert cgroup.kill_all() == started + 1
        child.wait(timeout=30)
        assert cgroup.pids() == []
    finally:
        cgroup.remove()
    assert not cgroup.path.exists()
