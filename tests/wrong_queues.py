"""Realistic wrong answers to notebook 05's queue exercise, each with the checks it must fail.

Each is the reference answer with one mistake a student makes, so that the
checks it fails are the ones that mistake should fail, and no others.
"""

from __future__ import annotations

import threading
import time
from queue import Empty, Full

from netcourse.compat import ShutDown

from .conftest import QUEUES_AND_POOLS, ROOT
from .notebook_tools import load_answers
from .three_ways import wrong

Reference = load_answers(ROOT / "solutions" / QUEUES_AND_POOLS, "queue")["Queue"]
Stub = load_answers(ROOT / "notebooks" / QUEUES_AND_POOLS, "queue")["Queue"]


class IfNotWhile(Reference):
    """Waits once, in an `if`: a stolen wakeup lets put overfill and get pop an empty deque."""

    def put(self, item, block=True, timeout=None):
        with self._lock:
            if self.is_shutdown:
                raise ShutDown
            if 0 < self.maxsize <= len(self._items):
                if not block or not self._not_full.wait(timeout):
                    raise Full
                if self.is_shutdown:
                    raise ShutDown
            self._items.append(item)
            self.unfinished_tasks += 1
            self._not_empty.notify()

    def get(self, block=True, timeout=None):
        with self._lock:
            if not self._items:
                if self.is_shutdown:
                    raise ShutDown
                if not block or not self._not_empty.wait(timeout):
                    raise Empty
                if not self._items and self.is_shutdown:
                    raise ShutDown
            item = self._items.popleft()
            self._not_full.notify()
            return item


class OneConditionNotify(Reference):
    """One Condition for getters, putters and joiners, woken with notify(): a lost wakeup."""

    def __init__(self, maxsize=0):
        super().__init__(maxsize)
        self._not_empty = self._not_full = self._all_done = threading.Condition(self._lock)


class JoinNotifiesOne(Reference):
    """task_done wakes one joiner with notify() where every joiner must go on."""

    def task_done(self):
        with self._lock:
            if self.unfinished_tasks <= 0:
                raise ValueError("task_done() called too many times")
            self.unfinished_tasks -= 1
            if self.unfinished_tasks == 0:
                self._all_done.notify()


class ShutdownNotifiesOne(Reference):
    """shutdown wakes one waiter per condition with notify()."""

    def shutdown(self, immediate=False):
        with self._lock:
            self.is_shutdown = True
            if immediate:
                self.unfinished_tasks = max(0, self.unfinished_tasks - len(self._items))
                self._items.clear()
                self._all_done.notify_all()
            self._not_empty.notify()
            self._not_full.notify()


class GetNeverNotifies(Reference):
    """get forgets to wake a put waiting for room."""

    def get(self, block=True, timeout=None):
        with self._lock:
            self._wait_for(
                self._not_empty, lambda: self._items or self.is_shutdown, block, timeout, Empty
            )
            if not self._items:
                raise ShutDown
            return self._items.popleft()


class BusyPolling(Reference):
    """Checks again and again instead of waiting on a Condition, letting others run between."""

    def _wait_for(self, condition, ready, block, timeout, give_up):
        deadline = None if timeout is None else time.monotonic() + timeout
        while not ready():
            if not block or (deadline is not None and time.monotonic() >= deadline):
                raise give_up
            self._lock.release()
            try:
                time.sleep(0)  # "let the others run"
            finally:
                self._lock.acquire()


class JoinSpins(Reference):
    """join() looks at the count again and again, never pausing."""

    def join(self):
        while True:
            with self._lock:
                if not self.unfinished_tasks:
                    return


class NoBound(Reference):
    """Ignores maxsize: put never waits and never raises Full."""

    def put(self, item, block=True, timeout=None):
        with self._lock:
            if self.is_shutdown:
                raise ShutDown
            self._items.append(item)
            self.unfinished_tasks += 1
            self._not_empty.notify()


class PutRaisesFull(Reference):
    """Raises Full as soon as the queue is full, whether or not the caller may wait."""

    def put(self, item, block=True, timeout=None):
        with self._lock:
            if 0 < self.maxsize <= len(self._items):
                raise Full
        super().put(item, block, timeout)


class Lifo(Reference):
    """Takes the newest item: list-style pop() from the wrong end."""

    def get(self, block=True, timeout=None):
        with self._lock:
            self._wait_for(
                self._not_empty, lambda: self._items or self.is_shutdown, block, timeout, Empty
            )
            if not self._items:
                raise ShutDown
            item = self._items.pop()
            self._not_full.notify()
            return item


class TimeoutIgnored(Reference):
    """Waits forever whatever the timeout."""

    def _wait_for(self, condition, ready, block, timeout, give_up):
        super()._wait_for(condition, ready, block, None, give_up)


class TimeoutWrongException(Reference):
    """Raises the built-in TimeoutError when the time runs out."""

    def _wait_for(self, condition, ready, block, timeout, give_up):
        if block and timeout is not None:
            if not condition.wait_for(ready, timeout):
                raise TimeoutError("timed out")
            return
        super()._wait_for(condition, ready, block, timeout, give_up)


class TimeoutSleeps(Reference):
    """Sleeps the whole timeout, then looks once: never woken early."""

    def _wait_for(self, condition, ready, block, timeout, give_up):
        if block and timeout is not None and not ready():
            self._lock.release()
            try:
                time.sleep(timeout)
            finally:
                self._lock.acquire()
            if not ready():
                raise give_up
            return
        super()._wait_for(condition, ready, block, timeout, give_up)


class TaskDoneNeverCounts(Reference):
    """task_done checks the count but never lowers it."""

    def task_done(self):
        with self._lock:
            if self.unfinished_tasks <= 0:
                raise ValueError("task_done() called too many times")
            if self.unfinished_tasks == 1:
                self._all_done.notify_all()


class CountGoesNegative(Reference):
    """Lowers the count before checking it, so a refused task_done leaves it at -1."""

    def task_done(self):
        with self._lock:
            self.unfinished_tasks -= 1
            if self.unfinished_tasks < 0:
                raise ValueError("task_done() called too many times")
            if self.unfinished_tasks == 0:
                self._all_done.notify_all()


class CheckThenTake(Reference):
    """Asks empty() under the lock, then takes the item under the lock again: a race."""

    def get(self, block=True, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.empty():
            if self.is_shutdown:
                raise ShutDown
            remaining = None if deadline is None else deadline - time.monotonic()
            if not block or (remaining is not None and remaining <= 0):
                raise Empty
            with self._not_empty:
                self._not_empty.wait(remaining)
        with self._lock:
            item = self._items.popleft()
            self._not_full.notify()
            return item


class ShutdownDropsItems(Reference):
    """Treats every shutdown as immediate for get: queued items are lost."""

    def get(self, block=True, timeout=None):
        with self._lock:
            if self.is_shutdown:
                raise ShutDown
        return super().get(block, timeout)


class ImmediateKeepsCount(Reference):
    """An immediate shutdown drains the items but leaves them counted as unfinished."""

    def shutdown(self, immediate=False):
        with self._lock:
            self.is_shutdown = True
            if immediate:
                self._items.clear()
            self._not_empty.notify_all()
            self._not_full.notify_all()


class OwnShutDown(Reference):
    """Raises an exception class of its own instead of netcourse.compat.ShutDown."""

    class ShutDown(Exception):
        pass

    def put(self, item, block=True, timeout=None):
        try:
            super().put(item, block, timeout)
        except ShutDown:
            raise self.ShutDown from None

    def get(self, block=True, timeout=None):
        try:
            return super().get(block, timeout)
        except ShutDown:
            raise self.ShutDown from None


# Races that only a stress test can catch, and only most of the time: a run
# that misses one is repeated (see test_queue_checks.py).
RACY = {"CheckThenTake"}

# (wrong answer, the checks it fails, a phrase its messages must contain)
WRONG = [
    wrong(IfNotWhile, {"blocks-when-full", "blocks-when-empty"}, "`while` loop"),
    wrong(OneConditionNotify, {"blocks-when-empty"}, "lost wakeup"),
    wrong(JoinNotifiesOne, {"task-done-join"}, "notify_all()"),
    wrong(ShutdownNotifiesOne, {"shutdown"}, "wake every blocked caller"),
    wrong(GetNeverNotifies, {"blocks-when-full"}, "get must wake a waiting put"),
    wrong(BusyPolling, {"no-busy-wait"}, "polls instead of sleeping"),
    wrong(JoinSpins, {"no-busy-wait"}, "polls instead of sleeping"),
    wrong(NoBound, {"blocks-when-full"}, "maxsize items"),
    wrong(PutRaisesFull, {"blocks-when-full"}, "raised Full at once"),
    wrong(Lifo, {"fifo"}, "last-in first-out"),
    wrong(TimeoutIgnored, {"timeouts"}, "after its timeout"),
    wrong(TimeoutWrongException, {"timeouts"}, "not queue.Empty"),
    wrong(TimeoutSleeps, {"timeouts"}, "not time.sleep(timeout)"),
    wrong(TaskDoneNeverCounts, {"task-done-join"}, "task_done must wake the joiners"),
    wrong(CountGoesNegative, {"too-many-task-done"}, "never goes below 0"),
    wrong(CheckThenTake, {"exactly-once"}, "raised IndexError"),
    wrong(ShutdownDropsItems, {"shutdown"}, "can still be taken"),
    wrong(ImmediateKeepsCount, {"shutdown"}, "counts each discarded item as done"),
    wrong(OwnShutDown, {"shutdown"}, "raise netcourse.compat.ShutDown"),
]
