"""A pids control group per grading kernel (Linux, when the grader runs as root).

Linux does not apply the process limit (RLIMIT_NPROC) to root, so a root
grader puts each kernel in a control group of its own whose ``pids.max`` caps
the tasks (processes and threads) the kernel and all its descendants may
run. The group also finds everything a submission left running, daemons
that escaped the process tree included, so it can all be killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

V1_ROOT = Path("/sys/fs/cgroup/pids")
V2_ROOT = Path("/sys/fs/cgroup")
KILL_ROUNDS = 50


def _v2_root_with_pids() -> Path | None:
    try:
        if "pids" not in (V2_ROOT / "cgroup.controllers").read_text().split():
            return None
        if "pids" not in (V2_ROOT / "cgroup.subtree_control").read_text().split():
            (V2_ROOT / "cgroup.subtree_control").write_text("+pids")
    except OSError:
        return None
    return V2_ROOT


class TaskCgroup:
    """One pids control group: cap it, put a process in it, kill all it holds, remove it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, name: str, max_tasks: int) -> TaskCgroup | None:
        """Make the group, or return None where this system does not let us (not root, no pids)."""
        if os.name != "posix" or os.geteuid() != 0:
            return None
        for root in (V1_ROOT, _v2_root_with_pids()):
            if root is None or not (root / "cgroup.procs").exists():
                continue
            path = root / name
            try:
                path.mkdir(exist_ok=True)
                (path / "pids.max").write_text(str(max_tasks))
            except OSError:
                with contextlib.suppress(OSError):
                    path.rmdir()
                continue
            return cls(path)
        return None

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def pids(self) -> list[int]:
        try:
            return [int(line) for line in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def kill_all(self) -> int:
        """Kill every process in the group (forking ones too) and return how many were seen."""
        seen: set[int] = set()
        for _ in range(KILL_ROUNDS):
            pids = self.pids()
            if not pids:
                break
            seen.update(pids)
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
        return len(seen)

    def remove(self) -> None:
        self.kill_all()
        for _ in range(KILL_ROUNDS):  # the kernel reaps killed tasks a moment later
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)
