"""Who runs Python code when: threads that spin, and the moments the interpreter changes hands.

Each thread loops, writing its number into one shared slot whenever the slot
holds another's. Under the GIL only one thread runs Python code at a time, so
the slot changes hands exactly when the GIL does: a *slice* is the time from
one change to the next. The waiting thread asks for the GIL after the switch
interval (``sys.setswitchinterval``), so slices last at least that long; on a
free-threaded build both threads run at once and the slot flips constantly.

:func:`switch_interval` sets the interval for a ``with`` block, the one way the
course changes it in a kernel.
"""

from __future__ import annotations

import contextlib
import itertools
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

ROUNDS = 5


@dataclass(frozen=True)
class Slices:
    """One run: the switch interval asked for, and (thread, start, end) per slice, in seconds."""

    interval: float
    slices: list[tuple[int, float, float]]

    @property
    def lengths(self) -> list[float]:
        return [end - start for _, start, end in self.slices]

    @property
    def median(self) -> float:
        return statistics.median(self.lengths) if self.slices else float("nan")


@contextlib.contextmanager
def switch_interval(seconds: float) -> Iterator[float]:
    """``sys.setswitchinterval(seconds)`` for the ``with`` block, then the interval as it was.

    The setting is the whole process's; it yields the interval the interpreter took.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield sys.getswitchinterval()
    finally:
        sys.setswitchinterval(before)


def run(seconds: float = 0.2, threads: int = 2, interval: float | None = None) -> Slices:
    """Spin ``threads`` threads for ``seconds`` with the switch interval set to ``interval``."""
    owner: list[int] = [-1]
    changes: list[tuple[float, int]] = []
    barrier = threading.Barrier(threads)
    clock = time.perf_counter

    def spin(me: int) -> None:
        barrier.wait()
        stop_at = clock() + seconds
        while (now := clock()) < stop_at:
            if owner[0] != me:
                owner[0] = me
                changes.append((now, me))

    with switch_interval(sys.getswitchinterval() if interval is None else interval) as asked:
        workers = [threading.Thread(target=spin, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    # A thread may be switched out between reading the clock and noting the change:
    # put the changes in time order, and keep only those where the owner differs.
    ordered = itertools.pairwise([(0.0, -1), *sorted(changes)])
    changes = [now for before, now in ordered if now[1] != before[1]]
    start = changes[0][0] if changes else 0.0
    pairs = itertools.pairwise(changes)
    slices = [(me, at - start, until - start) for (at, me), (until, _) in pairs]
    return Slices(asked, slices)


def best_run(interval: float | None = None, rounds: int = ROUNDS, **options: float) -> Slices:
    """The run with the shortest median slice out of ``rounds``: other programs only lengthen it."""
    return min((run(interval=interval, **options) for _ in range(rounds)), key=lambda r: r.median)
