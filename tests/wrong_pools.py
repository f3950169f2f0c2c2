"""Realistic wrong answers to notebook 05's pool exercise, each with the checks it must fail."""

from __future__ import annotations

import contextlib
import queue
import threading
from concurrent.futures import Executor, Future

from .conftest import QUEUES_AND_POOLS, ROOT
from .notebook_tools import load_answers
from .three_ways import wrong

Reference = load_answers(ROOT / "solutions" / QUEUES_AND_POOLS, "pool")["Pool"]
Stub = load_answers(ROOT / "notebooks" / QUEUES_AND_POOLS, "pool")["Pool"]


class TargetlessThreads(Reference):
    """The blog post's bug: worker threads started without a target run nothing."""

    def __init__(self, max_workers):
        self._tasks = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._shut_down = False
        self._workers = [threading.Thread(daemon=True) for _ in range(max_workers)]
        for worker in self._workers:
            worker.start()


class ThreadPerTask(Executor):
    """Starts a new thread for every task."""

    def __init__(self, max_workers):
        self._threads = []

    def submit(self, fn, /, *args, **kwargs):
        future = Future()

        def run():
            future.set_running_or_notify_cancel()
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        thread = threading.Thread(target=run)
        thread.start()
        self._threads.append(thread)
        return future

    def shutdown(self, wait=True):
        if wait:
            for thread in self._threads:
                thread.join()


class Inline(Executor):
    """Runs each task inside submit, in the caller's thread."""

    def __init__(self, max_workers):
        pass

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait=True):
        pass


class ExceptionKillsWorker(Reference):
    """Lets a task's exception escape the worker loop, which ends the thread."""

    def _work(self):
        while (task := self._tasks.get()) is not None:
            future, fn, args, kwargs = task
            future.set_running_or_notify_cancel()
            future.set_result(fn(*args, **kwargs))


class ExceptionSwallowed(Reference):
    """Catches a task's exception and drops it: the future never completes."""

    def _work(self):
        while (task := self._tasks.get()) is not None:
            future, fn, args, kwargs = task
            future.set_running_or_notify_cancel()
            with contextlib.suppress(Exception):
                future.set_result(fn(*args, **kwargs))


class ResultNeverSet(Reference):
    """Runs the task and forgets to settle its future."""

    def _work(self):
        while (task := self._tasks.get()) is not None:
            _future, fn, args, kwargs = task
            with contextlib.suppress(Exception):
                fn(*args, **kwargs)


class ShutdownDoesNotWait(Reference):
    """shutdown sends the sentinels but never joins the workers, whatever wait says."""

    def shutdown(self, wait=True):
        super().shutdown(wait=False)


class ShutdownDoesNotStop(Reference):
    """shutdown waits until the queued tasks are done, but the workers loop forever."""

    def __init__(self, max_workers):
        self._pending = queue.Queue()
        super().__init__(max_workers)

    def _work(self):
        while True:
            future, fn, args, kwargs = self._pending.get()
            future.set_running_or_notify_cancel()
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)
            self._pending.task_done()

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        self._pending.put((future, fn, args, kwargs))
        return future

    def shutdown(self, wait=True):
        if wait:
            self._pending.join()


class ShutdownDropsQueued(Reference):
    """shutdown throws away the tasks still queued, so their futures never complete."""

    def shutdown(self, wait=True):
        with self._lock:
            self._shut_down = True
            while True:
                try:
                    self._tasks.get_nowait()
                except queue.Empty:
                    break
            for _ in self._workers:
                self._tasks.put(None)
        if wait:
            for worker in self._workers:
                worker.join()


class OneWorkerTooFew(Reference):
    """Starts its workers with range(1, max_workers): one short."""

    def __init__(self, max_workers):
        self._tasks = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._shut_down = False
        self._workers = [
            threading.Thread(target=self._work, daemon=True) for _ in range(1, max_workers)
        ]
        for worker in self._workers:
            worker.start()


class FreshThreadPerTask(Reference):
    """Keeps max_workers threads, but each runs one task and hands over to a new thread
    ("a fresh thread for every task"): never more than max_workers, never reused."""

    def _work(self):
        task = self._tasks.get()
        if task is None:
            return
        future, fn, args, kwargs = task
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        with self._lock:
            successor = threading.Thread(target=self._work, daemon=True)
            self._workers.append(successor)
            successor.start()

    def shutdown(self, wait=True):
        with self._lock:
            self._shut_down = True
            for _ in range(len(self._workers)):
                self._tasks.put(None)
        if wait:
            for worker in list(self._workers):
                worker.join()


class OneTaskAtATime(Reference):
    """Runs every task while holding one lock "to be safe": the workers take turns."""

    _serial = threading.Lock()

    def _work(self):
        while (task := self._tasks.get()) is not None:
            future, fn, args, kwargs = task
            future.set_running_or_notify_cancel()
            with self._serial:
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:
                    future.set_exception(exc)


# (wrong answer, the checks it fails, a phrase its messages must contain)
WRONG = [
    wrong(TargetlessThreads, {"runs-tasks"}, "without a target runs nothing"),
    wrong(ThreadPerTask, {"worker-count"}, "not a thread per task"),
    wrong(Inline, {"concurrency"}, "not run it or wait for it"),
    wrong(
        ExceptionKillsWorker, {"exceptions"}, "an exception in a thread: Pool-worker-0: ValueError"
    ),
    wrong(ExceptionSwallowed, {"exceptions"}, "future.set_exception(exc)"),
    wrong(ResultNeverSet, {"results"}, "future.set_result(value)"),
    wrong(ShutdownDoesNotWait, {"shutdown-wait"}, "join the workers"),
    wrong(ShutdownDoesNotStop, {"no-leak"}, "one sentinel per worker"),
    wrong(ShutdownDropsQueued, {"shutdown-wait"}, "tasks still queued at shutdown must run too"),
    wrong(OneWorkerTooFew, {"concurrency"}, "never filled"),
    wrong(OneTaskAtATime, {"concurrency"}, "at most 1 of"),
    wrong(FreshThreadPerTask, {"reuses-threads"}, "each runs task after task"),
]
