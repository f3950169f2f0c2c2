"""Which thread (or process) ran when, recorded by the workers themselves, for a timeline.

    lanes = nc.who_ran.together(["cpu", "cpu"], using="threads", seconds=0.1)
    nc.who_ran.timeline(lanes).draw(title="two CPU-bound threads")

A CPU-bound worker spins and looks at ``time.perf_counter()`` every few
microseconds; a jump between two looks longer than ``gap`` means it was not
running meanwhile (another thread held the GIL, or the operating system ran
something else). An IO-bound worker sleeps for ``nap`` seconds at a time,
standing in for a network wait, and notes how late it got going again after
each nap: that lateness is the time it waited to run. Workers in processes
record with the same clock: on Linux, macOS and Windows ``perf_counter`` is
system-wide, so the lanes of different processes line up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .timeline import Span, Timeline
from .workloads import process_context

GAP = 2e-4  # a pause this long between two looks at the clock: the worker was not running
NAP = 0.002  # an IO-bound worker's wait, like a quick network round trip
WORK = 2e-4  # and the CPU time it spends on each answer
Stretch = tuple[float, float]  # (start, end) in perf_counter seconds


@dataclass
class Lane:
    """What one worker did: when it ran, slept (IO) and waited to run again after a nap."""

    name: str
    running: list[Stretch] = field(default_factory=list)
    sleeping: list[Stretch] = field(default_factory=list)
    late: list[Stretch] = field(default_factory=list)

    def shifted(self, origin: float) -> Lane:
        def shift(stretches: list[Stretch]) -> list[Stretch]:
            return [(a - origin, b - origin) for a, b in stretches]

        return Lane(self.name, shift(self.running), shift(self.sleeping), shift(self.late))

    @property
    def start(self) -> float:
        return min(a for a, _ in [*self.running, *self.sleeping, *self.late])

    def running_seconds(self) -> float:
        return sum(b - a for a, b in self.running)


def _spin_until(end: float, gap: float, running: list[Stretch]) -> None:
    clock = time.perf_counter
    began = last = clock()
    while last < end:
        for _ in range(20):
            pass
        now = clock()
        if now - last > gap:
            running.append((began, last))
            began = now
        last = now
    running.append((began, last))


def record(work: str, seconds: float, start_at: float = 0.0, gap: float = GAP) -> Lane:
    """Do ``work`` ("cpu" or "io") for ``seconds`` from ``start_at`` (a perf_counter time)."""
    while time.perf_counter() < start_at:
        time.sleep(min(0.001, max(0.0, start_at - time.perf_counter())))
    lane = Lane(work)
    end = time.perf_counter() + seconds
    if work == "cpu":
        _spin_until(end, gap, lane.running)
    elif work == "io":
        while time.perf_counter() < end:
            before = time.perf_counter()
            time.sleep(NAP)
            woke = time.perf_counter()
            lane.sleeping.append((before, before + NAP))
            lane.late.append((before + NAP, woke))
            _spin_until(woke + WORK, gap, lane.running)
    else:
        raise ValueError(f"work is 'cpu' or 'io', not {work!r}")
    return lane


def together(works: Sequence[str], using: str = "threads", seconds: float = 0.1) -> list[Lane]:
    """Run one worker per entry of ``works`` at the same time, in threads or in processes.

    Times in the lanes are seconds from the first thing any worker did.
    """
    if using == "threads":
        lanes: list[Any] = [None] * len(works)
        start_at = time.perf_counter() + 0.02

        def run(index: int, work: str) -> None:
            lanes[index] = record(work, seconds, start_at)

        threads = [threading.Thread(target=run, args=item) for item in enumerate(works)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elif using == "processes":
        with process_context().Pool(len(works)) as pool:
            pool.map(time.sleep, [0.0] * len(works))  # every worker is up before the clock starts
            start_at = time.perf_counter() + 0.05
            lanes = pool.starmap(record, [(work, seconds, start_at) for work in works])
    else:
        raise ValueError(f"using is 'threads' or 'processes', not {using!r}")
    kind = "thread" if using == "threads" else "process"
    named = [
        Lane(f"{work} {kind} {n + 1}", lane.running, lane.sleeping, lane.late)
        for n, (work, lane) in enumerate(zip(works, lanes, strict=True))
    ]
    origin = min(lane.start for lane in named)
    return [lane.shifted(origin) for lane in named]


def timeline(lanes: Sequence[Lane]) -> Timeline:
    """The lanes as an ``nc.timeline.Timeline``: running, asleep in IO, ready but waiting to run."""
    drawn = Timeline()
    for lane in lanes:
        for stretches, label in (
            (lane.running, "running"),
            (lane.sleeping, "asleep (IO)"),
            (lane.late, "ready, waiting to run"),
        ):
            drawn.spans += [Span(lane.name, label, a, b) for a, b in stretches if b > a]
    return drawn
