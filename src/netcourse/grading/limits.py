"""Resource limits for grading kernels (Linux; partly macOS), set before student code runs.

A submission can loop forever, allocate without end, fork without end or fill
the disk. The per-cell timeout and the notebook's time budget stop the first;
these limits stop the rest inside the kernel, without touching the grader.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass

LIMITS_VARIABLE = "NETCOURSE_GRADING_LIMITS"  # how the worker hands a kernel its limits (JSON)

try:
    import resource
except ImportError:  # Windows: grading there runs without limits
    resource = None


@dataclass(frozen=True)
class KernelLimits:
    """Limits for one grading kernel and every process it starts."""

    cpu_seconds: int = 600  # CPU time per process (SIGXCPU ends it)
    memory_bytes: int = 8 * 2**30  # address space per process (MemoryError beyond)
    tasks: int = 1024  # processes and threads of the kernel's user (RLIMIT_NPROC)
    file_bytes: int = 256 * 2**20  # size of any file a process writes (EFBIG beyond)
    forks: int = 256  # processes the kernel and its children may start, all told

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _set(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    with contextlib.suppress(ValueError, OSError):  # a limit this platform does not enforce
        resource.setrlimit(which, (value, value))


def apply(limits: KernelLimits, tasks_already_running: int = 0) -> None:
    """Set the limits on this process; its children inherit them.

    RLIMIT_NPROC counts every task of the user, so the tasks the user already
    runs are added. Linux does not enforce it for root; there a pids control
    group holds the same cap (cgroups.py).
    """
    if resource is None:
        return
    _set(resource.RLIMIT_CPU, limits.cpu_seconds)
    _set(resource.RLIMIT_AS, limits.memory_bytes)
    _set(resource.RLIMIT_FSIZE, limits.file_bytes)
    if hasattr(resource, "RLIMIT_NPROC"):
        _set(resource.RLIMIT_NPROC, tasks_already_running + limits.tasks)


def tasks_of_user(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (what RLIMIT_NPROC counts)."""
    import psutil

    count = 0
    for process in psutil.process_iter(["uids", "num_threads"]):
        uids = process.info["uids"]
        if uids is not None and uids.real == uid:
            count += process.info["num_threads"] or 1
    return count
