"""Small tasks for pool experiments, in a module so that process pools can import them.

A process pool sends a task to its workers by name (module and function), so
the function must live in an importable module: on Windows and macOS (spawn)
and on Linux from Python 3.14 (forkserver) a function defined in a notebook
cell cannot be found by the workers.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import random
import threading
import time
import zlib
from collections.abc import Callable
from multiprocessing.context import BaseContext

BLOCK = 2**20  # the buffer the C workloads work on: far above hashlib's 2 KiB for releasing the GIL


def spin(rounds: int) -> int:
    """CPU-bound: pure-Python arithmetic for ``rounds`` rounds; holds the GIL all the while."""
    total = 0
    for n in range(rounds):
        total += n * n % 7
    return total


def nap(seconds: float) -> float:
    """IO-bound: wait ``seconds`` without using the CPU, as a network call would; return it."""
    time.sleep(seconds)
    return seconds


@functools.cache
def _block() -> bytes:
    """1 MiB of text-like bytes: compressible, like most of what servers send."""
    return bytes(random.Random(0).choices(b"abcdefgh \n", k=BLOCK))


def sha256(rounds: int) -> str:
    """C code that releases the GIL: hash a 1 MiB buffer ``rounds`` times with hashlib."""
    digest = ""
    for _ in range(rounds):
        digest = hashlib.sha256(_block()).hexdigest()
    return digest


def compress(rounds: int) -> int:
    """C code that releases the GIL: compress a 1 MiB buffer ``rounds`` times with zlib."""
    size = 0
    for _ in range(rounds):
        size = len(zlib.compress(_block(), 1))
    return size


def rounds_for(seconds: float, work: Callable[[int], object] = spin) -> int:
    """How many rounds of ``work`` (:func:`spin` by default) take about ``seconds`` here, now."""
    work(1)  # the first call may pay for more than the work (building the buffer, say)
    rounds = 1
    while True:
        start = time.perf_counter()
        work(rounds)
        took = time.perf_counter() - start
        if took >= 0.01:
            return max(1, round(rounds * seconds / took))
        rounds *= 4


def process_context() -> BaseContext:
    """Where the course starts worker processes: forkserver where there is one, else spawn.

    Never fork: a kernel runs threads, and a forked copy of a process keeps only
    the thread that forked, with every lock another thread held still locked.
    """
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


_worker = threading.local()  # one per pool worker: a thread of a thread pool, a process's thread


def open_worker(label: str) -> None:
    """A pool initializer: runs once in each worker, before its first task (say, to connect)."""
    _worker.label = label
    _worker.tasks = 0


def whose_task(seconds: float) -> tuple[str, int]:
    """Wait ``seconds``, then say which worker ran this task and how many tasks it has run."""
    time.sleep(seconds)
    _worker.tasks = getattr(_worker, "tasks", 0) + 1
    label = getattr(_worker, "label", "a worker with no initializer")
    return f"{label}, process {os.getpid()}, {threading.current_thread().name}", _worker.tasks
