"""Checks for a worker pool with ``concurrent.futures.Executor``'s interface (notebook 05).

The student's class is called like ``ThreadPoolExecutor``: ``Pool(max_workers)``,
``submit(fn, *args, **kwargs)`` returning a ``concurrent.futures.Future``,
``shutdown(wait=True)``, and ``with Pool(n) as pool:``.
``concurrent.futures.ThreadPoolExecutor`` itself passes every check.

Concurrency is proved with a ``threading.Barrier`` that only ``max_workers``
tasks running at once can pass; thread counts come from the threads alive
while tasks are held at a gate, never from timings.

A pool that runs its tasks in other processes (``ProcessPoolExecutor``) can
take only tasks that pickle, and a barrier or a gate of the checker's cannot
travel with them: such a pool (found by where a task runs) is given tasks
that are plain functions of this module, its workers are counted as
processes, and the check that needs a shared barrier says it is for thread
pools. One fault fails one check: a pool that runs no task at all fails
``runs-tasks``, and the checks that cannot see anything past that point there.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import psutil

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
from .harness.core import (
    CheckFailure,
    Checklist,
    NotAttempted,
    Report,
    SkipCheck,
    fault_of,
    running_check,
)

PoolClass = Callable[..., Any]


@dataclass(frozen=True)
class PoolUnderTest:
    """The pool class under test, the pool size the concurrency checks use, and what the
    run found out about it (whether its tasks run in other processes)."""

    cls: PoolClass
    workers: int = 3
    found: dict[str, bool] = field(default_factory=dict, compare=False)


CHECKS: Checklist[PoolUnderTest] = Checklist("pool")

# After shutdown(), worker threads (and processes) get this long to end.
LEAK_GRACE = 2.0
# A pool of processes may take this long to start its first worker on a loaded machine.
STARTUP = 10.0
# How long each task of the process-pool checks takes, so that several run at once.
NAP = 0.3

NO_TASK_RAN = (
    "no submitted task ran: workers must be threads whose target is the loop that takes "
    "tasks from the queue"
)


def _nothing_ran() -> CheckFailure:
    """No task ran: runs-tasks' fault, or concurrency's when this Pool(n) had no worker."""
    here = running_check()
    owners = ("runs-tasks",) if here == "concurrency" else ("runs-tasks", "concurrency")
    return fault_of(owners, NO_TASK_RAN)


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
            raise _nothing_ran()

    def wait_finished(self, count: int, seconds: float = WAKE) -> None:
        """Wait until ``count`` tasks have finished; fail with the likely cause if they did not."""
        if not wait_until(lambda: len(self.finished) >= count, seconds):
            if not self.started:
                raise _nothing_ran()
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


# Tasks for pools that run them in other processes: plain functions of this module, which
# pickle by reference and are imported by every worker.


def echo_call(*args: Any, **kwargs: Any) -> tuple[tuple, dict]:
    """What the task was called with."""
    return args, kwargs


def square(n: int) -> int:
    return n * n


def fail_on_purpose() -> None:
    raise ValueError("this task fails on purpose")


def nap(n: int) -> int:
    """Take NAP seconds, so that the pool runs several such tasks at once; return n."""
    time.sleep(NAP)
    return n


class _Unpicklable:
    """A task that holds a lock: a thread runs it, a pool of processes cannot even send it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self) -> str:
        return "ran"


def _in_processes(subject: PoolUnderTest) -> bool:
    """Whether the pool runs its tasks in other processes (found once per run): there a
    task that cannot be pickled fails at once, without waiting for a worker to start."""
    if "processes" not in subject.found:
        pool = _new(subject.cls, 2)
        try:
            future = prompt("pool.submit(<a task>)", pool.submit, _Unpicklable())
            error = future.exception(timeout=WAKE) if isinstance(future, Future) else None
        except NotAttempted:
            raise
        except Exception:  # a pool that runs nothing is judged as a thread pool: runs-tasks
            error = None
        finally:
            _closing(pool)
        subject.found["processes"] = error is not None and "pickl" in str(error).lower()
    return subject.found["processes"]


# The check each method belongs to: a pool without it fails that check, and the
# others, which cannot use the pool without it, point there.
_OWNER = {"submit": "runs-tasks", "shutdown": "shutdown-wait"}


def _new(pool_class: PoolClass, workers: int) -> Any:
    """A new pool, with every method the checks call (a class such as
    multiprocessing.pool.ThreadPool has neither submit() nor shutdown())."""
    pool = prompt(f"Pool({workers})", pool_class, workers)
    missing = [name for name in _OWNER if not callable(getattr(pool, name, None))]
    if missing:
        _closing(pool)
        name = next((n for n in missing if _OWNER[n] == running_check()), missing[0])
        raise fault_of(
            _OWNER[name],
            f"the pool has no {name}(): concurrent.futures.Executor has it, and the exercise "
            "asks for it",
        )
    return pool


def _submit_all(pool: Any, function: Callable[[int], Any], count: int) -> list[Future]:
    """Submit ``function(0) .. function(count - 1)`` from one thread; return the futures.

    A submit that does not return at once runs or waits for its task itself:
    then no tasks run side by side, which is concurrency's to judge.
    """
    name = getattr(function, "__name__", "task")
    try:
        futures = Call(
            f"pool.submit({name}, n) for n in range({count})",
            lambda: [pool.submit(function, n) for n in range(count)],
        ).value(
            PROMPT,
            f"did not return within {PROMPT:g} s: submit must hand the task to a worker and "
            "return at once, not run it or wait for it",
        )
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise fault_of("concurrency", str(exc)) from None
    for future in futures:
        if not isinstance(future, Future):
            raise CheckFailure(
                f"pool.submit(...) returned {type(future).__name__}, not a Future: create a "
                "concurrent.futures.Future(), queue it with the task, and return it"
            )
    return futures


def _closing(pool: Any) -> None:
    """Shut the pool down without waiting for it, whatever state the check left it in (one
    without shutdown() through its with statement, if it has one)."""
    if callable(getattr(pool, "shutdown", None)):
        Call("pool.shutdown(wait=False)", pool.shutdown, wait=False)
    elif callable(getattr(pool, "__exit__", None)):
        Call("leaving the pool's with block", pool.__exit__, None, None, None)


def _results(futures: list[Future], seconds: float) -> list[Any]:
    """The futures' results; a future not done within ``seconds`` is a failure."""
    pending = wait_futures(futures, timeout=seconds).not_done
    if pending:
        raise CheckFailure(
            f"{len(pending)} of {len(futures)} futures were not done {seconds:g} s after "
            "their tasks ran: after running a task, the worker must call "
            "future.set_result(value) (or set_exception)"
        )
    return [f.result(0) for f in futures]


def _processes_alive(before: set[int]) -> list[psutil.Process]:
    """Child processes of this one that were not there ``before``, and are not zombies."""
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return []
    alive = []
    for child in children:
        try:
            if child.pid not in before and child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child)
        except psutil.Error:
            pass
    return alive


def _child_pids() -> set[int]:
    try:
        return {p.pid for p in psutil.Process().children(recursive=True)}
    except psutil.Error:
        return set()


@CHECKS.check("runs-tasks")
def _runs_tasks(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    if _in_processes(subject):
        _runs_tasks_in_processes(pool_class)
        return
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


def _runs_tasks_in_processes(pool_class: PoolClass) -> None:
    pool = _new(pool_class, 2)
    try:
        future = prompt("pool.submit(echo_call, 1, 2, key=3)", pool.submit, echo_call, 1, 2, key=3)
        futures = [future, *_submit_all(pool, square, 4)]
        if wait_futures(futures, timeout=STARTUP).not_done:
            raise CheckFailure(f"of 5 submitted tasks, some had not run within {STARTUP:g} s")
        if future.exception() is None and future.result() != ((1, 2), {"key": 3}):
            args, kwargs = future.result()
            raise CheckFailure(
                f"pool.submit(echo_call, 1, 2, key=3) called it with args {args!r} and kwargs "
                f"{kwargs!r}: call fn(*args, **kwargs)"
            )
    finally:
        _closing(pool)


@CHECKS.check("results")
def _results_check(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    processes = _in_processes(subject)
    tasks = _Tasks()
    pool = _new(pool_class, 2)
    try:
        futures = _submit_all(pool, square if processes else tasks.square, 20)
        if processes:
            wait_futures(futures, timeout=STARTUP)
        else:
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
    processes = _in_processes(subject)
    tasks = _Tasks()
    pool = _new(pool_class, 1)
    failure = ValueError("this task fails on purpose")

    def fail() -> None:
        tasks.square(0)
        raise failure

    try:
        bad = prompt("pool.submit(fail)", pool.submit, fail_on_purpose if processes else fail)
        if not processes:
            tasks.wait_finished(1)
        try:
            error = bad.exception(timeout=STARTUP if processes else WAKE)
        except FutureTimeout:
            # A pool whose futures never complete at all is results' to judge.
            raise fault_of(
                "results",
                "the task raised, and its future never completed: catch the exception in the "
                "worker and call future.set_exception(exc)",
            ) from None
        # From another process the exception comes back as a copy.
        same = error is failure or (
            processes and type(error) is ValueError and error.args == failure.args
        )
        if not same:
            raise CheckFailure(
                f"the future of a task that raised ValueError holds {error!r}: pass the "
                "task's own exception to future.set_exception"
            )
        after = prompt(
            "pool.submit(square, 7) after it", pool.submit, square if processes else tasks.square, 7
        )
        ran = (
            wait_futures([after], timeout=STARTUP).done
            if processes
            else wait_until(lambda: 7 in tasks.finished, WAKE)
        )
        if not ran:
            raise CheckFailure(
                "in a Pool(1), a task submitted after a failing one never ran: the exception "
                "killed the only worker thread; catch it so that the worker goes on"
            )
    finally:
        _closing(pool)


@CHECKS.check("concurrency")
def _concurrency(subject: PoolUnderTest) -> None:
    pool_class, workers = subject.cls, subject.workers
    if _in_processes(subject):
        raise SkipCheck(
            "the pool runs its tasks in other processes, where the checker's barrier cannot "
            "go: this check is for thread pools"
        )
    tasks = _Tasks()
    # The barrier outwaits submit's PROMPT, so that a submit running its task itself is
    # caught as that, whatever the load, and not as a barrier that broke first.
    patience = PROMPT + WAKE
    barrier = threading.Barrier(workers, timeout=patience)
    pool = _new(pool_class, workers)
    try:

        def meet(n: int) -> int:
            return tasks.meet(barrier, n)

        _submit_all(pool, meet, 2 * workers)
        tasks.wait_started()
        if not wait_until(lambda: len(tasks.finished) == 2 * workers, patience + WAKE):
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
    if _in_processes(subject):
        _process_count(pool_class, workers)
        return
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


def _process_count(pool_class: PoolClass, workers: int) -> None:
    before = _child_pids()
    pool = _new(pool_class, workers)
    seen = [0]
    try:
        futures = _submit_all(pool, nap, 3 * workers)
        deadline = time.monotonic() + STARTUP + 3 * NAP
        while wait_futures(futures, timeout=0.02).not_done and time.monotonic() < deadline:
            seen.append(len(_processes_alive(before)))
        if max(seen) > workers:
            raise CheckFailure(
                f"Pool({workers}) ran {max(seen)} worker processes at once with {3 * workers} "
                "tasks submitted: start max_workers workers and let them take the tasks"
            )
    finally:
        _closing(pool)


@CHECKS.check("reuses-threads")
def _reuses_threads(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    if _in_processes(subject):
        _reuses_processes(pool_class)
        return
    tasks = _Tasks()
    pool = _new(pool_class, 2)
    try:
        for batch in range(1, 5):
            _submit_all(pool, tasks.square, 5)
            tasks.wait_finished(5 * batch)
        # tasks run in the submitting thread (a check's own) are concurrency's concern
        distinct = len({t for t in tasks.threads if not is_harness(t)})
        if distinct > 2:
            # A thread per task is worker-count's fault; if that passed, it is this one's.
            raise fault_of(
                "worker-count",
                f"20 tasks ran on {distinct} different threads in a Pool(2): a pool starts its "
                "workers once and each runs task after task",
            )
    finally:
        _closing(pool)


def _reuses_processes(pool_class: PoolClass) -> None:
    pool = _new(pool_class, 2)
    try:
        futures = _submit_all(pool, worker_pid, 20)
        pids = set(_results(futures, STARTUP))
        if len(pids) > 2:
            raise CheckFailure(
                f"20 tasks ran in {len(pids)} different processes in a Pool(2): a pool starts "
                "its workers once and each runs task after task"
            )
    finally:
        _closing(pool)


def worker_pid(n: int) -> int:
    """The process id of the worker that ran task ``n``."""
    return os.getpid()


@CHECKS.check("shutdown-wait")
def _shutdown_wait(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    if _in_processes(subject):
        _shutdown_waits_for_processes(pool_class)
        return
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


def _shutdown_waits_for_processes(pool_class: PoolClass) -> None:
    pool = _new(pool_class, 2)
    try:
        futures = _submit_all(pool, nap, 4)
        Call("pool.shutdown(wait=True)", pool.shutdown, wait=True).value(
            STARTUP + 4 * NAP, "did not return after every task could finish"
        )
        done = sum(f.done() for f in futures)
        if done < 4:
            raise CheckFailure(
                f"pool.shutdown(wait=True) returned when {done} of 4 submitted tasks had "
                "finished: with wait=True it returns only after every task has finished"
            )
    finally:
        _closing(pool)


@CHECKS.check("no-leak")
def _no_leak(subject: PoolUnderTest) -> None:
    pool_class = subject.cls
    processes = _in_processes(subject)
    tasks = _Tasks()
    before, children = live_threads(), _child_pids()

    pool = _new(pool_class, 3)

    def use_pool() -> None:
        with pool:
            for n in range(12):
                pool.submit(square if processes else tasks.square, n)

    Call("with Pool(3) as pool: submit 12 tasks", use_pool).value(
        STARTUP if processes else WAKE,
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
    if processes and not wait_until(lambda: not _processes_alive(children), LEAK_GRACE):
        raise CheckFailure(
            f"{len(_processes_alive(children))} worker process(es) of a Pool(3) were still "
            f"running {LEAK_GRACE:g} s after shutdown(): shutdown must end its workers"
        )


def check_pool(
    pool_class: PoolClass, only: Iterable[str] | None = None, *, workers: int = 3
) -> Report:
    """Run the pool checks (or those named in ``only``) on a class like ThreadPoolExecutor.

    ``workers`` is the pool size the concurrency and worker-count checks use.
    """
    name = getattr(pool_class, "__qualname__", "Pool")
    wrap = partial(guarded, errors_belong_to="exceptions")
    with capture():  # what abandoned threads report after their check has ended
        return CHECKS.run(name, PoolUnderTest(pool_class, workers), only, wrap=wrap)


__all__ = ["CHECKS", "check_pool"]
