"""Checks for a worker pool with ``concurrent.futures.Executor``'s interface (notebook 05).

The student's class is called like ``ThreadPoolExecutor``: ``Pool(max_workers)``,
``submit(fn, *args, **kwargs)`` returning a ``concurrent.futures.Future``,
``shutdown(wait=True)``, and ``with Pool(n) as pool:``.
``concurrent.futures.ThreadPoolExecutor`` itself passes every check.

Concurrency is proved with a ``threading.Barrier`` that only ``max_workers``
tasks running at once can pass; thread counts come from the threads alive
while tasks are held at a gate, never from timings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from typing import Any

from .harness.calls import (
    GATE,
    PROMPT,
    WAKE,
    Call,
    guarded,
    is_harness,
    prompt,
    returned_early,
    student_threads_since,
)
from .harness.capture import capture, live_threads, wait_until
from .harness.core import CheckFailure, Checklist, Report

PoolClass = Callable[..., Any]


@dataclass(frozen=True)
class PoolUnderTest:
    """The pool class under test, and the pool size the concurrency checks use."""

    cls: PoolClass
    workers: int = 3


CHECKS: Checklist[PoolUnderTest] = Checklist("pool")

# After shutdown(), worker threads get this long to end.
LEAK_GRACE = 2.0

NO_TASK_RAN = (
    "no submitted task ran (see runs-tasks): workers must be threads whose target is the "
    "loop that takes tasks from the queue"
)


class _Tasks:
    """Tasks for a pool that record which thread ran them and how many run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.started: list[int] = []
        self.finished: list[int] = []
        self.threads: list[threading.Thread] = []
        self.running = 0
        self.peak = 0
        self.broken = False

    def _enter(self, n: int) -> None:
        with self.lock:
            self.started.append(n)
            self.threads.append(threading.current_thread())
            self.running += 1
            self.peak = max(self.peak, self.running)

    def _leave(self, n: int) -> None:
        with self.lock:
            self.running -= 1
            self.finished.append(n)

    def wait_started(self) -> None:
        """Wait until a task has started; fail with the likely cause if none does."""
        if not wait_until(lambda: bool(self.started), WAKE):
            raise CheckFailure(NO_TASK_RAN)

    def wait_finished(self, count: int, seconds: float = WAKE) -> None:
        """Wait until ``count`` tasks have finished; fail with the likely cause if they did not."""
        if not wait_until(lambda: len(self.finished) >= count, seconds):
            if not self.started:
                raise CheckFailure(NO_TASK_RAN)
            raise CheckFailure(
                f"only {len(self.finished)} of {count} submitted tasks ran within {seconds:g} s"
            )

    def square(self, n: int) -> int:
        self._enter(n)
        self._leave(n)
        return n * n

    def gated(self, n: int) -> int:
        """Wait until the gate opens (at most GATE seconds); return n."""
        self._enter(n)
        try:
            self.gate.wait(GATE)
            return n
        finally:
            self._leave(n)

    def meet(self, barrier: threading.Barrier, n: int) -> int:
        """Wait at the barrier for the other tasks; note it when the barrier breaks."""
        self._enter(n)
        try:
            barrier.wait()
            return n
        except threading.BrokenBarrierError:
            self.broken = True
            raise
        finally:
            self._leave(n)


def _new(pool_class: PoolClass, workers: int) -> Any:
    return prompt(f"Pool({workers})", pool_class, workers)


def _submit_all(pool: Any, function: Callable[[int], Any], count: int) -> list[Future]:
    """Submit ``function(0) .. function(count - 1)`` from one thread; return the futures."""
    name = getattr(function, "__name__", "task")
    futures = Call(
        f"pool.submit({name}, n) for n in range({count})",
        lambda: [pool.submit(function, n) for n in range(count)],
    ).value(
        PROMPT,
        f"did not return within {PROMPT:g} s: submit must hand the task to a worker and "
        "return at once, not run it or wait for it",
    )
    for future in futures:
        if not isinstance(future, Future):
            raise CheckFailure(
                f"pool.submit(...) returned {type(future).__name__}, not a "
                "concurrent.futures.Future: create a Future(), queue it with the task, and "
                "return it"
            )
    return futures


def _closing(pool: Any) -> None:
    """Shut the pool down without waiting for it, whatever state the check left it in."""
    Call("pool.shutdown(wait=False)", pool.shutdown, wait=False)


def _results(futures: list[Future], seconds: float) -> list[Any]:
    """The futures' results; a future not done within ``seconds`` is a failure."""
    pending = wait_futures(futures, timeout=seconds).not_done
    if pending:
        raise CheckFailure(
            f"{len(pending)} of {len(futures)} futures were not done {seconds:g} s after their "
            "tasks ran: after running a task, the worker must call future.set_result(value) "
            "(or set_exception)"
        )
    return [f.result(0) for f in futures]


@CHECKS.check("runs-tasks")
def _runs_tasks(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    tasks, calls = _Tasks(), []
    pool = _new(pool_class, 2)
    try:

        def record(*args: Any, **kwargs: Any) -> None:
            calls.append((args, kwargs))
            tasks.square(0)

        prompt("pool.submit(record, 1, 2, key=3)", pool.submit, record, 1, 2, key=3)
        _submit_all(pool, tasks.square, 4)
        if not wait_until(lambda: len(tasks.finished) == 5, WAKE):
            ran = len(tasks.finished)
            if ran == 0:
                raise CheckFailure(
                    f"none of 5 submitted tasks ran within {WAKE:g} s: start the worker threads "
                    "with target= the loop that takes tasks from the queue "
                    "(threading.Thread(daemon=True).start() without a target runs nothing)"
                )
            raise CheckFailure(f"only {ran} of 5 submitted tasks ran within {WAKE:g} s")
        if calls[0] != ((1, 2), {"key": 3}):
            args, kwargs = calls[0]
            raise CheckFailure(
                f"pool.submit(record, 1, 2, key=3) called record with args {args!r} and "
                f"kwargs {kwargs!r}: call fn(*args, **kwargs)"
            )
    finally:
        _closing(pool)


@CHECKS.check("results")
def _results_check(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    tasks = _Tasks()
    pool = _new(pool_class, 2)
    try:
        futures = _submit_all(pool, tasks.square, 20)
        tasks.wait_finished(20)
        values = _results(futures, WAKE)
        if values != [n * n for n in range(20)]:
            raise CheckFailure(
                f"the futures of square(0) .. square(19) gave {values[:6]!r}...: each future "
                "must carry the result of its own task"
            )
    finally:
        _closing(pool)


@CHECKS.check("exceptions")
def _exceptions(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    tasks = _Tasks()
    pool = _new(pool_class, 1)
    failure = ValueError("this task fails on purpose")

    def fail() -> None:
        tasks.square(0)
        raise failure

    try:
        bad = prompt("pool.submit(fail)", pool.submit, fail)
        tasks.wait_finished(1)
        try:
            error = bad.exception(timeout=WAKE)
        except FutureTimeout:
            raise CheckFailure(
                "the task raised, and its future never completed: catch the exception in the "
                "worker and call future.set_exception(exc)"
            ) from None
        if error is not failure:
            raise CheckFailure(
                f"the future of a task that raised ValueError holds {error!r}: pass the "
                "task's own exception to future.set_exception"
            )
        prompt("pool.submit(square, 7) after the failing task", pool.submit, tasks.square, 7)
        if not wait_until(lambda: 7 in tasks.finished, WAKE):
            raise CheckFailure(
                "in a Pool(1), a task submitted after a failing one never ran: the exception "
                "killed the only worker thread; catch it so that the worker goes on"
            )
    finally:
        _closing(pool)


@CHECKS.check("concurrency")
def _concurrency(subject: PoolUnderTest) -> None:
    pool_class, workers = subject.cls, subject.workers
    tasks = _Tasks()
    barrier = threading.Barrier(workers, timeout=WAKE)
    pool = _new(pool_class, workers)
    try:

        def meet(n: int) -> int:
            return tasks.meet(barrier, n)

        _submit_all(pool, meet, 2 * workers)
        tasks.wait_started()
        if not wait_until(lambda: len(tasks.finished) == 2 * workers, 2 * WAKE):
            raise CheckFailure(f"only {len(tasks.finished)} of {2 * workers} tasks finished")
        if tasks.broken:
            raise CheckFailure(
                f"a barrier for {workers} tasks never filled: at most {tasks.peak} of "
                f"Pool({workers})'s tasks ran at the same time; all {workers} workers must "
                "take tasks at once"
            )
    finally:
        barrier.abort()
        _closing(pool)


@CHECKS.check("worker-count")
def _worker_count(subject: PoolUnderTest) -> None:
    pool_class, workers = subject.cls, subject.workers
    tasks = _Tasks()
    before = live_threads()
    pool = _new(pool_class, workers)
    try:
        _submit_all(pool, tasks.gated, 3 * workers)
        tasks.wait_started()
        wait_until(lambda: tasks.running >= workers, WAKE)
        alive = student_threads_since(before)
        if len(alive) > workers or tasks.peak > workers:
            raise CheckFailure(
                f"Pool({workers}) had {len(alive)} threads alive and ran {tasks.peak} tasks at "
                f"once, with {3 * workers} tasks submitted: start max_workers threads once and "
                "let them take tasks from a queue, not a thread per task"
            )
        tasks.gate.set()
        tasks.wait_finished(3 * workers)
    finally:
        tasks.gate.set()
        _closing(pool)


@CHECKS.check("reuses-threads")
def _reuses_threads(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    tasks = _Tasks()
    pool = _new(pool_class, 2)
    try:
        for batch in range(1, 5):
            _submit_all(pool, tasks.square, 5)
            tasks.wait_finished(5 * batch)
        # tasks run in the submitting thread (a check's own) are concurrency's concern
        distinct = len({t for t in tasks.threads if not is_harness(t)})
        if distinct > 2:
            raise CheckFailure(
                f"20 tasks ran on {distinct} different threads in a Pool(2): a pool starts its "
                "workers once and each runs task after task"
            )
    finally:
        _closing(pool)


@CHECKS.check("shutdown-wait")
def _shutdown_wait(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    tasks = _Tasks()
    pool = _new(pool_class, 2)
    try:
        _submit_all(pool, tasks.gated, 4)
        tasks.wait_started()

        def shut_down() -> int:
            pool.shutdown(wait=True)
            return len(tasks.finished)

        closing = Call("pool.shutdown(wait=True)", shut_down)
        if returned_early([closing]):
            closing.value(0)
            raise CheckFailure(
                "pool.shutdown(wait=True) returned while tasks were still running or queued: "
                "with wait=True it returns only after every submitted task has finished "
                "(join the workers)"
            )
        tasks.gate.set()
        finished = closing.value(WAKE, "did not return after every task could finish")
        if finished < 4:
            raise CheckFailure(
                f"pool.shutdown(wait=True) returned when {finished} of 4 submitted tasks had "
                "finished: tasks still queued at shutdown must run too"
            )
    finally:
        tasks.gate.set()
        _closing(pool)


@CHECKS.check("no-leak")
def _no_leak(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    tasks = _Tasks()
    before = live_threads()

    def use_pool() -> None:
        with pool_class(3) as pool:
            for n in range(12):
                pool.submit(tasks.square, n)

    Call("with Pool(3) as pool: submit 12 tasks", use_pool).value(
        WAKE,
        "did not finish: leaving the with block calls shutdown(wait=True), which must return "
        "once the tasks are done",
    )
    if not wait_until(lambda: not student_threads_since(before), LEAK_GRACE):
        left = student_threads_since(before)
        raise CheckFailure(
            f"{len(left)} thread(s) of a Pool(3) were still alive {LEAK_GRACE:g} s after "
            "shutdown(): each worker must leave its loop (send one sentinel per worker) and "
            "shutdown should join them"
        )


def check_pool(
    pool_class: PoolClass, only: Iterable[str] | None = None, *, workers: int = 3
) -> Report:
    """Run the pool checks (or those named in ``only``) on a class like ThreadPoolExecutor.

    ``workers`` is the pool size the concurrency and worker-count checks use.
    """
    name = getattr(pool_class, "__qualname__", "Pool")
    with capture():  # what abandoned threads report after their check has ended
        return CHECKS.run(name, PoolUnderTest(pool_class, workers), only, wrap=guarded)


__all__ = ["CHECKS", "check_pool"]
