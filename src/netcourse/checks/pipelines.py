"""Checks for a producer–consumer pipeline with a clean shutdown (notebook 05).

The contract of ``run_pipeline(items, work, workers=4, maxsize=8) -> list``:

* it reads ``items`` (any iterable, read once, lazily) and hands them through
  a queue bounded at ``maxsize`` to ``workers`` threads that call
  ``work(item)``; at most ``workers + maxsize + 1`` items are taken from
  ``items`` before their work has finished (back-pressure);
* it returns ``[work(item) for item in items]``, in input order, calling
  ``work`` exactly once per item, with ``workers`` calls running at once;
* if ``work`` raises for some items, every other item is still processed,
  and once all threads have ended it raises the exception of the first
  failing item in input order;
* when it returns or raises, every thread it started has ended.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from .harness.calls import (
    BLOCKED_FOR,
    GATE,
    PROMPT,
    WAKE,
    Call,
    guarded,
    student_threads_since,
)
from .harness.capture import capture, live_threads, wait_until
from .harness.core import CheckFailure, Checklist, Report, fault_of

RunPipeline = Callable[..., list]


@dataclass(frozen=True)
class PipelineUnderTest:
    """The student's run_pipeline, and the shape it is called with."""

    run: RunPipeline
    workers: int = 3
    maxsize: int = 2


CHECKS: Checklist[PipelineUnderTest] = Checklist("pipeline")

# A run of a few hundred quick items must finish within this long.
RUN_DEADLINE = 5.0


def _label(count: int, work: str) -> str:
    return f"run_pipeline(<{count} items>, {work})"


def _run(
    run_pipeline: RunPipeline, items: Iterable[Any], work: Callable, count: int, **shape: int
) -> Call:
    """Start ``run_pipeline`` in a call of its own; ``count`` is the number of items."""
    name = getattr(work, "__name__", "work")
    label = _label(count, name)
    return Call(label, run_pipeline, items, work, **shape)


def _finish(call: Call, seconds: float = RUN_DEADLINE) -> Any:
    return call.value(
        seconds,
        f"did not return within {seconds:g} s: once the items run out, tell each worker to "
        "stop (a sentinel per worker), join them, and return",
    )


class _Counted:
    """``work`` that counts its calls per item and how many run at once."""

    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        self.lock = threading.Lock()
        self.calls: dict[Any, int] = {}
        self.running = 0
        self.peak = 0
        self.barrier = barrier
        self.gate = threading.Event()
        self.gate.set()
        self.__name__ = "work"

    def __call__(self, item: Any) -> Any:
        with self.lock:
            self.calls[item] = self.calls.get(item, 0) + 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            if self.barrier is not None:
                self.barrier.wait()
            self.gate.wait(GATE)
            return ("done", item)
        finally:
            with self.lock:
                self.running -= 1


class _Cube:
    """``work`` that cubes its item; with two or more workers, item 0 finishes after item 1.

    That makes the order in which results arrive differ from the input order
    for certain, so a pipeline that returns them as they arrive is caught.
    """

    def __init__(self, workers: int, count: int) -> None:
        self.__name__ = "cube"
        self.second_done = threading.Event()
        if workers < 2 or count < 2:
            self.second_done.set()

    def __call__(self, n: int) -> int:
        if n == 0:
            self.second_done.wait(WAKE)
        elif n == 1:
            self.second_done.set()
        return n**3


@CHECKS.check("results")
def _results(subject: PipelineUnderTest) -> None:
    run_pipeline, workers, maxsize = subject.run, subject.workers, subject.maxsize
    for count in (0, 1, 37):
        cube = _Cube(workers, count)
        got = _finish(
            _run(run_pipeline, range(count), cube, count, workers=workers, maxsize=maxsize)
        )
        want = [n**3 for n in range(count)]
        if got != want:
            if isinstance(got, list) and sorted(got) == sorted(want):
                raise CheckFailure(
                    f"{_label(count, 'cube')} returned the right results in the wrong order: "
                    "results arrive in any order, so keep each item's index and return them "
                    "in input order"
                )
            shown = repr(got)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            raise CheckFailure(
                f"{_label(count, 'cube')} returned wrong results: {shown}, not "
                "[cube(item) for item in items]"
            )


@CHECKS.check("exactly-once")
def _exactly_once(subject: PipelineUnderTest) -> None:
    run_pipeline, workers, maxsize = subject.run, subject.workers, subject.maxsize
    work = _Counted()
    count = 400
    _finish(_run(run_pipeline, iter(range(count)), work, count, workers=workers, maxsize=maxsize))
    twice = sorted(item for item, n in work.calls.items() if n > 1)
    missing = sorted(set(range(count)) - set(work.calls))
    if twice or missing:
        faults = []
        if twice:
            faults.append(f"{len(twice)} items were processed more than once (e.g. {twice[0]})")
        if missing:
            faults.append(f"{len(missing)} never (e.g. {missing[0]})")
        raise CheckFailure(
            f"with {count} items and {workers} workers, {' and '.join(faults)}: every item "
            "goes into the queue once, and each get hands it to one worker"
        )


@CHECKS.check("concurrency")
def _concurrency(subject: PipelineUnderTest) -> None:
    """A barrier for ``workers`` calls of work must fill, every time. Once it has filled
    for all the items, a call that waits there alone is an extra call, exactly-once's."""
    run_pipeline, workers, maxsize = subject.run, subject.workers, subject.maxsize
    filled = [0]
    barrier = threading.Barrier(
        workers, action=lambda: filled.__setitem__(0, filled[0] + 1), timeout=WAKE
    )
    work = _Counted(barrier)
    count = 2 * workers
    call = _run(run_pipeline, range(count), work, count, workers=workers, maxsize=maxsize)
    try:
        call.wait(WAKE + RUN_DEADLINE)
        if barrier.broken or not call.finished:
            message = (
                f"a barrier for {workers} calls of work never filled: at most {work.peak} "
                f"items were processed at the same time with workers={workers}; start "
                f"{workers} threads that each take items from the queue"
            )
            if filled[0] * workers >= count:
                raise fault_of("exactly-once", message)
            raise CheckFailure(message)
        _finish(call, 0)
    finally:
        barrier.abort()


def _pulled(counter: list[int], count: int) -> Iterator[int]:
    for n in range(count):
        counter[0] += 1
        yield n


@CHECKS.check("back-pressure")
def _back_pressure(subject: PipelineUnderTest) -> None:
    run_pipeline, workers, maxsize = subject.run, subject.workers, subject.maxsize
    work = _Counted()
    work.gate.clear()
    pulled, count = [0], 200
    bound = workers + maxsize + 1
    call = _run(run_pipeline, _pulled(pulled, count), work, count, workers=workers, maxsize=maxsize)
    try:
        wait_until(lambda: work.running >= workers or call.finished, PROMPT)
        call.wait(BLOCKED_FOR)
        if pulled[0] > bound:
            raise CheckFailure(
                f"run_pipeline took {pulled[0]} of {count} items ahead of {work.running} busy "
                f"workers: at most {bound} (workers + maxsize + 1) may be in flight; put the "
                "items into a Queue(maxsize), whose put blocks while it is full"
            )
        work.gate.set()
        _finish(call)
    finally:
        work.gate.set()


@CHECKS.check("exception")
def _exception(subject: PipelineUnderTest) -> None:
    run_pipeline, workers, maxsize = subject.run, subject.workers, subject.maxsize
    calls: list[int] = []
    lock = threading.Lock()
    first, second = ValueError("item 7 fails on purpose"), KeyError("item 13 too")

    def flaky(n: int) -> int:
        with lock:
            calls.append(n)
        if n == 7:
            raise first
        if n == 13:
            raise second
        return n

    call = _run(run_pipeline, range(20), flaky, 20, workers=workers, maxsize=maxsize)
    error = call.error(
        RUN_DEADLINE,
        f"did not return within {RUN_DEADLINE:g} s after work raised for an item: catch the "
        "exception in the worker, keep it, and go on with the next item",
    )
    if error is None:
        raise CheckFailure(
            "run_pipeline returned although work raised ValueError for item 7: once every "
            "thread has ended, raise the exception of the first failing item"
        )
    if error is not first:
        raise CheckFailure(
            f"run_pipeline raised {type(error).__name__}: {error}; it should raise the exception "
            "work raised for the first failing item in input order (a ValueError for item 7)"
        )
    if sorted(calls) != list(range(20)):
        raise CheckFailure(
            f"after work raised for item 7, only {len(set(calls))} of 20 items were processed: "
            "a failing item must not stop the others"
        )


@CHECKS.check("no-leak")
def _no_leak(subject: PipelineUnderTest) -> None:
    run_pipeline, workers, maxsize = subject.run, subject.workers, subject.maxsize

    def boom(n: int) -> int:
        if n == 3:
            raise RuntimeError("work fails for item 3")
        return n

    for work in (abs, boom):
        before = live_threads()
        call = _run(run_pipeline, range(10), work, 10, workers=workers, maxsize=maxsize)
        call.error(RUN_DEADLINE, f"did not return within {RUN_DEADLINE:g} s")
        left = student_threads_since(before)
        if left:
            when = "returned" if work is abs else "raised"
            raise CheckFailure(
                f"{len(left)} thread(s) it started were still alive when run_pipeline {when}: "
                "send each worker a sentinel and join every thread before returning "
                "(in a finally block, so that it happens when an item fails too)"
            )


def check_pipeline(
    run_pipeline: RunPipeline,
    only: Iterable[str] | None = None,
    *,
    workers: int = 3,
    maxsize: int = 2,
) -> Report:
    """Run the pipeline checks (or those named in ``only``) on a student's ``run_pipeline``."""
    subject = PipelineUnderTest(run_pipeline, workers, maxsize)
    wrap = partial(guarded, errors_belong_to="exception")
    with capture():  # what abandoned threads report after their check has ended
        return CHECKS.run("run_pipeline", subject, only, wrap=wrap)


__all__ = ["CHECKS", "check_pipeline"]
