"""Small tasks for pool experiments, in a module so that process pools can import them.

A process pool sends a task to its workers by name (module and function), so
the function must live in an importable module: on Windows and macOS (spawn)
and on Linux from Python 3.14 (forkserver) a function defined in a notebook
cell cannot be found by the workers.
"""

from __future__ import annotations

import time


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


def rounds_for(seconds: float) -> int:
    """How many rounds of :func:`spin` take about ``seconds`` on this machine, now."""
    rounds = 10_000
    while True:
        start = time.perf_counter()
        spin(rounds)
        took = time.perf_counter() - start
        if took >= 0.01:
            return max(1, int(rounds * seconds / took))
        rounds *= 4
