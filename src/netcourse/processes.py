"""Stopping a process together with everything it started."""

from __future__ import annotations

import contextlib

import psutil


def kill_tree(pid: int, timeout: float = 5.0) -> None:
    """Kill a process and all its descendants, then reap them.

    Descendants are found through the process tree rather than the process
    group, because Jupyter starts each kernel in a session of its own.
    """
    try:
        root = psutil.Process(pid)
        family = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(family, timeout=timeout)
