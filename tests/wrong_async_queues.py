"""Realistic wrong answers to notebook 06's asyncio queue, each with the checks it must fail.

Each is the reference with one mistake, as a subclass that overrides what it gets wrong.
"""

from __future__ import annotations

import asyncio
import threading
import time

from .conftest import COROUTINES, ROOT
from .notebook_tools import load_answers
from .three_ways import wrong

Reference = load_answers(ROOT / "solutions" / COROUTINES, "async-queue")["Queue"]
Stub = load_answers(ROOT / "notebooks" / COROUTINES, "async-queue")["Queue"]

# Set when a test is over: ends the loops that a queue blocking its event loop left spinning.
ABANDON = threading.Event()


class Lifo(Reference):
    """Takes the newest item (deque.pop()), not the oldest."""

    def get_nowait(self):
        if self.empty():
            raise asyncio.QueueEmpty
        item = self._items.pop()
        self._wake_next(self._putters)
        return item


class NowaitNeverRaises(Reference):
    """get_nowait() returns None on an empty queue; put_nowait() ignores the bound."""

    def get_nowait(self):
        return super().get_nowait() if not self.empty() else None

    def put_nowait(self, item):
        self._items.append(item)
        self._unfinished += 1
        self._all_done.clear()
        self._wake_next(self._getters)


class BlocksTheLoop(Reference):
    """Waits with time.sleep() in a loop, as a thread would: the event loop stops meanwhile."""

    async def get(self):
        while self.empty() and not ABANDON.is_set():
            time.sleep(0.01)
        return self.get_nowait()

    async def put(self, item):
        while self.full() and not ABANDON.is_set():
            time.sleep(0.01)
        self.put_nowait(item)

    async def join(self):
        while self._unfinished and not ABANDON.is_set():
            time.sleep(0.01)


class PollsWithSleepZero(Reference):
    """Waits by polling: `await asyncio.sleep(0)` until there is an item (or room)."""

    async def get(self):
        while self.empty():
            await asyncio.sleep(0)
        return self.get_nowait()

    async def put(self, item):
        while self.full():
            await asyncio.sleep(0)
        self.put_nowait(item)

    async def join(self):
        while self._unfinished:
            await asyncio.sleep(0)


class ForgetsToAwaitInJoin(Reference):
    """join() calls self._all_done.wait() without await: it returns at once."""

    async def join(self):
        if self._unfinished:
            self._all_done.wait()


class NoWakeupPassedOn(Reference):
    """A waiter cancelled after it was woken drops out without waking the next one."""

    async def _wait(self, waiters, ready):
        while not ready():
            waiter = asyncio.get_running_loop().create_future()
            waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in waiters:
                    waiters.remove(waiter)
                raise


class HandsItemsToWaiters(Reference):
    """put_nowait() hands the item straight to a waiting get's future; a get cancelled after
    that takes the item with it."""

    def put_nowait(self, item):
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                self._unfinished += 1
                self._all_done.clear()
                getter.set_result(item)
                return
        super().put_nowait(item)

    async def get(self):
        if not self.empty():
            return self.get_nowait()
        getter = asyncio.get_running_loop().create_future()
        self._getters.append(getter)
        try:
            return await getter
        except BaseException:
            if getter in self._getters:
                self._getters.remove(getter)
            raise


class LeavesCancelledFutures(Reference):
    """Neither removes a cancelled waiter's future nor skips done ones when waking: a put
    after a get timed out calls set_result() on a cancelled future."""

    def _wake_next(self, waiters):
        if waiters:
            waiters.popleft().set_result(None)

    async def _wait(self, waiters, ready):
        while not ready():
            waiter = asyncio.get_running_loop().create_future()
            waiters.append(waiter)
            await waiter


class SwallowsCancellation(Reference):
    """Catches CancelledError in get() to clean up, and returns None instead of re-raising."""

    async def get(self):
        try:
            await self._wait(self._getters, lambda: not self.empty())
        except asyncio.CancelledError:
            return None
        return self.get_nowait()


class WaitsWithIf(Reference):
    """Waits with `if` instead of `while`: a woken call whose item (or free slot) was taken
    before it ran goes on anyway."""

    async def _wait(self, waiters, ready):
        if not ready():
            waiter = asyncio.get_running_loop().create_future()
            waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                waiter.cancel()
                if waiter in waiters:
                    waiters.remove(waiter)
                elif ready():
                    self._wake_next(waiters)
                raise


class PutNowaitStartsATask(Reference):
    """put_nowait() cannot await, so it starts `self.put(item)` as a task and returns: a task
    nobody awaits, and an item that is not in the queue yet when put_nowait() returns."""

    def put_nowait(self, item):
        asyncio.get_running_loop().create_task(self.put(item))

    async def put(self, item):
        await self._wait(self._putters, lambda: not self.full())
        super().put_nowait(item)


class JoinWaitsForEmpty(Reference):
    """join() waits until the queue is empty, not until every item is marked done."""

    async def join(self):
        while not self.empty():
            await asyncio.sleep(0.01)


class TaskDoneUnchecked(Reference):
    """task_done() lowers the count below 0 instead of raising ValueError."""

    def task_done(self):
        self._unfinished -= 1
        if self._unfinished <= 0:
            self._all_done.set()


WRONG = [
    wrong(Lifo, {"fifo"}, "last-in first-out"),
    wrong(NowaitNeverRaises, {"nowait"}, "did not raise asyncio.QueueEmpty"),
    wrong(
        BlocksTheLoop,
        {
            "blocks-when-empty",
            "blocks-when-full",
            "timeouts",
            "cancellation",
            "task-done-join",
            "exactly-once",
            "no-busy-wait",
        },
        "the event loop stopped",
        slow=True,
    ),
    wrong(PollsWithSleepZero, {"no-busy-wait"}, "it polls instead of waiting"),
    wrong(ForgetsToAwaitInJoin, {"task-done-join"}, "never awaited"),
    wrong(NoWakeupPassedOn, {"cancellation"}, "a lost wakeup"),
    wrong(HandsItemsToWaiters, {"blocks-when-empty", "cancellation"}, "the item was lost"),
    wrong(LeavesCancelledFutures, {"timeouts", "cancellation"}, "InvalidStateError"),
    wrong(SwallowsCancellation, {"timeouts"}, "let CancelledError through"),
    wrong(WaitsWithIf, {"blocks-when-empty", "blocks-when-full", "exactly-once"}, "not an `if`"),
    wrong(
        PutNowaitStartsATask,
        {
            "fifo",
            "nowait",
            "blocks-when-empty",
            "blocks-when-full",
            "task-done-join",
            "too-many-task-done",
            "no-busy-wait",
        },
        "qsize() returned 0",
    ),
    wrong(JoinWaitsForEmpty, {"task-done-join"}, "not on get"),
    wrong(TaskDoneUnchecked, {"too-many-task-done"}, "must raise ValueError"),
]
