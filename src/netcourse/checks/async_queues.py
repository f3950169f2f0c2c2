"""Checks for a bounded queue for asyncio tasks, with ``asyncio.Queue``'s interface (notebook 06).

The student's class is called like ``asyncio.Queue``: ``Queue(maxsize=0)``,
``await put(item)`` and ``await get()``, ``put_nowait``/``get_nowait``
(raising ``asyncio.QueueFull`` and ``asyncio.QueueEmpty``),
``qsize``/``empty``/``full`` and ``maxsize``, ``task_done()`` (``ValueError``
when called too often) and ``await join()``. There is no timeout parameter:
a caller bounds a wait from outside (``asyncio.timeout``, ``asyncio.wait_for``),
which cancels the waiting task, so a queue must leave nothing behind when a
waiting task is cancelled. ``asyncio.Queue`` itself passes every check.

Everything runs on a fresh event loop in a thread of its own. Tasks take
turns only where they ``await``, so the checks are deterministic: "it blocks"
means it has not finished after a number of turns of the loop, "it is woken"
means it has finished a few turns after the event that should wake it, and no
wall time needs to pass for either. Interleavings that break careless code
(a woken task whose item is taken before it runs, a task cancelled just after
it was woken) are forced in one synchronous step. Polling is found by
counting how often a waiting call is resumed, not by its CPU time. A loop
that stops turning for seconds has been blocked by the code under test, and
the check says so.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from .harness.calls import Call, guarded
from .harness.capture import capture
from .harness.core import CheckFailure, Checklist, Report, SkipCheck, short_repr

QueueClass = Callable[..., Any]


@dataclass(frozen=True)
class AsyncQueueUnderTest:
    """The class under test, and the shape of the exactly-once exchange."""

    cls: QueueClass
    producers: int = 4
    consumers: int = 6
    items: int = 2000
    maxsize: int = 8


CHECKS: Checklist[AsyncQueueUnderTest] = Checklist("asyncio queue")

# A task that should be woken gets this many turns of the loop to finish;
# a task that should wait must still be waiting after as many.
TURNS = 20
# An await that may go on at once, or a check's whole scenario, gets this long.
WAKE = 2.0
RUN_DEADLINE = 10.0
# The loop has been blocked when our heartbeat task has not run for this long.
HEARTBEAT = 0.02
STALL = 2.0
# A wait bounded from outside (asyncio.timeout) that must run out.
SHORT_TIMEOUT = 0.05
# No busy waiting: how long every call waits, and how often it may be resumed meanwhile
# (a call that waits on a Future is resumed once, when it is woken; a poller at every turn).
IDLE_WINDOW = 0.3
IDLE_WAKEUPS = 5
EXACTLY_ONCE_DEADLINE = 30.0


class _End:
    """The marker that tells a consumer in the exactly-once check to stop."""

    def __repr__(self) -> str:
        return "<end>"


# --- running a scenario on a loop of its own --------------------------------------------


def _on_a_loop(name: str, subject: AsyncQueueUnderTest, scenario: Callable) -> None:
    """Run ``scenario(subject)`` on a loop of its own in a thread; fail if the loop stalls."""
    beat = [time.monotonic()]

    async def main() -> None:
        async def heartbeat() -> None:
            while True:
                beat[0] = time.monotonic()
                await asyncio.sleep(HEARTBEAT)

        pulse = asyncio.create_task(heartbeat())
        try:
            async with asyncio.timeout(RUN_DEADLINE):
                await scenario(subject)
        except TimeoutError:
            raise CheckFailure(
                f"the {name} check did not finish within {RUN_DEADLINE:g} s"
            ) from None
        finally:
            pulse.cancel()

    call = Call(getattr(subject.cls, "__qualname__", "Queue"), asyncio.run, main())
    while not call.wait(0.05):
        if time.monotonic() - beat[0] > STALL:
            raise CheckFailure(
                f"the event loop stopped for {STALL:g} s (in the {name} check): a coroutine "
                "blocked it with time.sleep(), a threading lock or Condition, or a loop with no "
                "await; await an asyncio primitive (a Future, an Event) instead"
            )
    if isinstance(call.error(0, ""), SkipCheck):
        raise call.error(0, "")
    call.value(0)


def _checked(name: str) -> Callable[[Callable[[Any], Coroutine]], Callable]:
    """Declare the decorated scenario ``scenario(subject)`` as a check run on its own loop."""

    def declare(scenario: Callable[[Any], Coroutine]) -> Callable:
        @CHECKS.check(name)
        def check(subject: AsyncQueueUnderTest) -> None:
            _on_a_loop(name, subject, scenario)

        return check

    return declare


def _call(label: str, function: Callable[..., Any], *args: Any) -> Any:
    """A synchronous call of the student's code; its exceptions become CheckFailures."""
    try:
        return function(*args)
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        raise CheckFailure(f"{label} raised {_described(exc)}") from None


def _described(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _awaitable(label: str, make: Callable[[], Any]) -> Awaitable:
    made = _call(label, make)
    if not isinstance(made, Awaitable):
        raise CheckFailure(
            f"{label} returned {short_repr(made, 40)}, not something to await: define the "
            "method with `async def`"
        )
    return made


def _start(label: str, make: Callable[[], Any]) -> asyncio.Task:
    """Start a task awaiting the student's coroutine; it is named by ``label``."""
    awaitable = _awaitable(label, make)

    async def waiting() -> Any:
        return await awaitable

    return asyncio.get_running_loop().create_task(waiting(), name=label)


async def _prompt(label: str, make: Callable[[], Any]) -> Any:
    """Await the student's coroutine, which may go on at once; return its value."""
    task = _start(label, make)
    try:
        async with asyncio.timeout(WAKE):
            return await task
    except TimeoutError:
        raise CheckFailure(
            f"{label} did not return within {WAKE:g} s, although it could go on at once"
        ) from None
    except (NotImplementedError, CheckFailure, asyncio.CancelledError):
        raise
    except Exception as exc:
        raise CheckFailure(f"{label} raised {_described(exc)}") from None


async def _turns(tasks: Iterable[asyncio.Task] = (), n: int = TURNS) -> None:
    """Let the loop turn ``n`` times, or until every task in ``tasks`` has finished."""
    tasks = list(tasks)
    for _ in range(n):
        if tasks and all(t.done() for t in tasks):
            return
        await asyncio.sleep(0)


def _outcome(task: asyncio.Task) -> str:
    """What a finished task did, in words."""
    if task.cancelled():
        return "was cancelled"
    error = task.exception()
    if error is not None:
        if isinstance(error, NotImplementedError):
            raise error
        return f"raised {_described(error)}"
    return f"returned {short_repr(task.result(), 40)}"


async def _must_wait(tasks: list[asyncio.Task], should: str) -> None:
    """Fail unless every task is still waiting after TURNS turns of the loop."""
    await _turns()
    for task in tasks:
        if task.done():
            raise CheckFailure(f"{task.get_name()} {_outcome(task)} at once; {should}")


async def _woken(task: asyncio.Task, why: str) -> Any:
    """The task's value; it must finish within TURNS turns of the loop."""
    await _turns([task])
    if not task.done():
        raise CheckFailure(f"{task.get_name()} was still waiting {TURNS} turns after {why}")
    if task.cancelled() or task.exception() is not None:
        raise CheckFailure(f"{task.get_name()} {_outcome(task)} after {why}")
    return task.result()


async def _cancel_all(tasks: Iterable[asyncio.Task]) -> None:
    """Cancel what is still waiting and let it end (a check leaves no task behind), and
    retrieve every task's exception, so that asyncio logs none of them."""
    tasks = list(tasks)
    pending = [t for t in tasks if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=WAKE)
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()


def _new(subject: AsyncQueueUnderTest, maxsize: int = 0) -> Any:
    label = f"Queue({maxsize})" if maxsize else "Queue()"
    return _call(label, subject.cls, *((maxsize,) if maxsize else ()))


def _few(items: list[Any], limit: int = 6) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return f"[{shown}{', ...' if len(items) > limit else ''}]"


# --- fifo and the nowait calls ----------------------------------------------------------


@_checked("fifo")
async def _fifo(subject: AsyncQueueUnderTest) -> None:
    q = _new(subject)
    items = [*range(20), None, 0, "", (1, 2)]
    for item in items:
        _call(f"q.put_nowait({item!r})", q.put_nowait, item)
    size = _call("q.qsize()", q.qsize)
    if size != len(items):
        raise CheckFailure(f"q.qsize() returned {size!r} after {len(items)} puts into Queue()")
    got = [_call("q.get_nowait()", q.get_nowait) for _ in items]
    if got != items:
        if got == items[::-1]:
            raise CheckFailure(
                "items came out last-in first-out: a queue hands out the oldest item first "
                "(collections.deque: append() then popleft())"
            )
        raise CheckFailure(f"items went in as {_few(items)} but came out as {_few(got)}")
    bounded = _new(subject, 3)
    order = []
    for step in ("put 1", "put 2", "get", "put 3", "put 4", "get", "get", "get"):
        if step == "get":
            order.append(await _prompt("await q.get() on a Queue(3) with items", bounded.get))
        else:
            item = int(step[-1])
            await _prompt(
                f"await q.put({item}) on a Queue(3) with room", lambda i=item: bounded.put(i)
            )
    if order != [1, 2, 3, 4]:
        raise CheckFailure(
            f"with awaited puts and gets interleaved on Queue(3), items came out as {order!r}, "
            "not [1, 2, 3, 4]"
        )


@_checked("nowait")
async def _nowait(subject: AsyncQueueUnderTest) -> None:
    empty, one = _new(subject), _new(subject, 1)
    if _call("q.empty()", empty.empty) is not True:
        raise CheckFailure("q.empty() did not return True on a new Queue()")
    _expect_raises("q.get_nowait() on an empty queue", asyncio.QueueEmpty, empty.get_nowait)
    _call("one.put_nowait('a')", one.put_nowait, "a")
    if _call("one.full()", one.full) is not True:
        raise CheckFailure("one.full() did not return True with 1 item in a Queue(1)")
    _expect_raises("one.put_nowait('b') on a full Queue(1)", asyncio.QueueFull, one.put_nowait, "b")
    if _call("one.qsize()", one.qsize) != 1:
        raise CheckFailure("a put_nowait() that raised QueueFull still changed qsize()")
    if getattr(one, "maxsize", None) != 1:
        raise CheckFailure("Queue(1).maxsize is not 1: keep maxsize as an attribute or property")
    unbounded = _new(subject)
    for n in range(100):
        _call(f"q.put_nowait({n})", unbounded.put_nowait, n)
    if _call("q.full()", unbounded.full) is not False:
        raise CheckFailure(
            "a Queue() with no bound said full() after 100 items: maxsize 0 is no bound"
        )


def _expect_raises(label: str, kind: type[BaseException], function: Callable, *args: Any) -> None:
    try:
        value = function(*args)
    except kind:
        return
    except NotImplementedError:
        raise
    except Exception as exc:
        raise CheckFailure(
            f"{label} raised {type(exc).__name__}, not asyncio.{kind.__name__}"
        ) from None
    raise CheckFailure(
        f"{label} did not raise asyncio.{kind.__name__}: it returned {short_repr(value, 40)}"
    )


# --- blocking ---------------------------------------------------------------------------


@_checked("blocks-when-empty")
async def _blocks_when_empty(subject: AsyncQueueUnderTest) -> None:
    q, other = _new(subject), _new(subject)
    tasks: list[asyncio.Task] = []
    try:
        getter = _start("await q.get() on an empty queue", q.get)
        tasks.append(getter)
        await _must_wait([getter], "get must wait until an item arrives")
        _call("q.put_nowait('a')", q.put_nowait, "a")
        got = await _woken(getter, "q.put_nowait('a'): put_nowait must wake a waiting get")
        if got != "a":
            raise CheckFailure(f"the waiting q.get() returned {got!r} after q.put_nowait('a')")
        second = _start("a second await q.get()", q.get)
        tasks.append(second)
        await _must_wait([second], "get must wait until an item arrives")
        await _prompt("await q.put('b')", lambda: q.put("b"))
        if await _woken(second, "await q.put('b'): put must wake a waiting get") != "b":
            raise CheckFailure("the waiting q.get() did not return 'b' after await q.put('b')")
        # A stolen wakeup: the woken getter's item is taken before it runs again.
        victim = _start("await other.get()", other.get)
        tasks.append(victim)
        await _must_wait([victim], "get must wait until an item arrives")
        _call("other.put_nowait('b')", other.put_nowait, "b")
        _call("other.get_nowait()", other.get_nowait)
        await _turns([victim])
        if victim.done():
            raise CheckFailure(
                "a woken get went on although another get took the item first: after waking, "
                "check again for an item (wait in a `while` loop, not an `if`; "
                f"{victim.get_name()} {_outcome(victim)})"
            )
        _call("other.put_nowait('c')", other.put_nowait, "c")
        if await _woken(victim, "other.put_nowait('c')") != "c":
            raise CheckFailure("the waiting other.get() did not return 'c'")
    finally:
        await _cancel_all(tasks)


@_checked("blocks-when-full")
async def _blocks_when_full(subject: AsyncQueueUnderTest) -> None:
    q, other = _new(subject, 2), _new(subject, 1)
    tasks: list[asyncio.Task] = []
    try:
        for item in "ab":
            _call(f"q.put_nowait({item!r})", q.put_nowait, item)
        putter = _start("await q.put('c') on a full Queue(2)", lambda: q.put("c"))
        tasks.append(putter)
        await _must_wait([putter], "put must wait while the queue holds maxsize items")
        first = _call("q.get_nowait()", q.get_nowait)
        await _woken(putter, "q.get_nowait() made room: a get must wake a waiting put")
        held = sorted([first, *(_call("q.get_nowait()", q.get_nowait) for _ in range(2))])
        if held != ["a", "b", "c"]:
            raise CheckFailure(f"a full Queue(2) and a waiting put of 'c' gave back {held!r}")
        # Stolen room: the woken putter's free slot is taken before it runs again.
        _call("other.put_nowait('x')", other.put_nowait, "x")
        victim = _start("await other.put('y') on a full Queue(1)", lambda: other.put("y"))
        tasks.append(victim)
        await _must_wait([victim], "put must wait while the queue is full")
        _call("other.get_nowait()", other.get_nowait)
        _call("other.put_nowait('z') into the free slot", other.put_nowait, "z")
        await _turns([victim])
        size = _call("other.qsize()", other.qsize)
        if victim.done() or size != 1:
            raise CheckFailure(
                "a woken put went on although another put took the free slot first: after "
                "waking, check again for room (wait in a `while` loop, not an `if`; "
                f"{victim.get_name()} went on and the Queue(1) now holds {size} items)"
            )
        _call("other.get_nowait()", other.get_nowait)
        await _woken(victim, "other.get_nowait() made room again")
    finally:
        await _cancel_all(tasks)


# --- timeouts and cancellation ----------------------------------------------------------


async def _times_out(label: str, make: Callable[[], Any]) -> None:
    """Await the student's coroutine under asyncio.timeout(SHORT_TIMEOUT): it must run out."""
    awaitable = _awaitable(label, make)
    try:
        async with asyncio.timeout(SHORT_TIMEOUT):
            value = await awaitable
    except TimeoutError:
        return
    except (NotImplementedError, CheckFailure):
        raise
    except Exception as exc:
        raise CheckFailure(f"{label} raised {_described(exc)}") from None
    raise CheckFailure(
        "a waiting call swallowed the CancelledError of asyncio.timeout(): let "
        f"CancelledError through (re-raise it after cleaning up; {label} returned "
        f"{short_repr(value, 40)})"
    )


@_checked("timeouts")
async def _timeouts(subject: AsyncQueueUnderTest) -> None:
    empty, full = _new(subject), _new(subject, 1)
    _call("full.put_nowait('a')", full.put_nowait, "a")
    await _times_out(f"await empty.get() under asyncio.timeout({SHORT_TIMEOUT})", empty.get)
    await _times_out(
        f"await full.put('b') under asyncio.timeout({SHORT_TIMEOUT})", lambda: full.put("b")
    )
    after = "after a get that timed out"
    _call(f"empty.put_nowait('x') {after}", empty.put_nowait, "x")
    got = await _prompt(f"await empty.get() {after}", empty.get)
    if got != "x":
        raise CheckFailure(f"await empty.get() {after} returned {got!r}, not 'x'")
    size = _call("full.qsize()", full.qsize)
    if size != 1:
        raise CheckFailure(
            f"a put that timed out left the Queue(1) holding {size} items: a cancelled put "
            "must not add its item"
        )
    if _call("full.get_nowait()", full.get_nowait) != "a":
        raise CheckFailure("after a put of 'b' timed out, full.get_nowait() did not return 'a'")
    _call("full.put_nowait('c') after a put that timed out", full.put_nowait, "c")


@_checked("cancellation")
async def _cancellation(subject: AsyncQueueUnderTest) -> None:
    tasks: list[asyncio.Task] = []
    try:
        await _cancelled_getter_passes_on(subject, tasks)
        await _cancelled_putter_passes_on(subject, tasks)
        await _cancelled_getter_takes_nothing(subject, tasks)
    finally:
        await _cancel_all(tasks)


async def _cancelled_getter_passes_on(subject: AsyncQueueUnderTest, tasks: list) -> None:
    """Two gets wait; a put wakes the first, which is cancelled before it runs."""
    q = _new(subject)
    first = _start("get #1 on an empty queue", q.get)
    second = _start("get #2 on an empty queue", q.get)
    tasks += [first, second]
    await _must_wait([first, second], "get must wait until an item arrives")
    _call("q.put_nowait('x')", q.put_nowait, "x")
    first.cancel()
    await _turns([first, second])
    size = _call("q.qsize()", q.qsize)
    if not first.done():
        raise CheckFailure("a waiting get did not end when it was cancelled")
    if not first.cancelled():
        if first.exception() is not None:
            raise CheckFailure(f"get #1, cancelled after a put woke it, {_outcome(first)}")
        if first.result() == "x":
            return  # the first get took 'x' after all: nothing is lost
    if second.done():
        if second.cancelled() or second.exception() is not None or second.result() != "x":
            raise CheckFailure(f"get #2 {_outcome(second)}, not 'x'")
        return
    if size == 1:
        raise CheckFailure(
            "a lost wakeup: a get woken by a put and then cancelled left 'x' in the queue "
            "while get #2 waited on. When a woken get is cancelled, wake the next get"
        )
    raise CheckFailure(
        "a get woken by a put and then cancelled took 'x' with it: the item was lost. "
        "Take an item out of the queue only in the get that returns it"
    )


async def _cancelled_putter_passes_on(subject: AsyncQueueUnderTest, tasks: list) -> None:
    """Two puts wait on a full queue; a get wakes the first, which is cancelled before it runs."""
    q = _new(subject, 1)
    _call("q.put_nowait('a')", q.put_nowait, "a")
    first = _start("put #1 of 'p1' on a full Queue(1)", lambda: q.put("p1"))
    second = _start("put #2 of 'p2' on a full Queue(1)", lambda: q.put("p2"))
    tasks += [first, second]
    await _must_wait([first, second], "put must wait while the queue is full")
    _call("q.get_nowait()", q.get_nowait)
    first.cancel()
    await _turns([first, second])
    held = [_call("q.get_nowait()", q.get_nowait) for _ in range(_call("q.qsize()", q.qsize))]
    if "p1" in held and first.cancelled():
        raise CheckFailure(
            "a put that was cancelled still added its item: a cancelled put must not put"
        )
    if "p1" not in held and not second.done():
        raise CheckFailure(
            "a lost wakeup: a put woken by a get and then cancelled left the free slot unused "
            "while put #2 waited on. When a woken put is cancelled, wake the next put"
        )


async def _cancelled_getter_takes_nothing(subject: AsyncQueueUnderTest, tasks: list) -> None:
    """A get waits and is cancelled; the next item must stay in the queue for others."""
    q = _new(subject)
    getter = _start("await q.get() on an empty queue", q.get)
    tasks.append(getter)
    await _must_wait([getter], "get must wait until an item arrives")
    getter.cancel()
    await _turns([getter])
    _call("q.put_nowait('y') after a waiting get was cancelled", q.put_nowait, "y")
    await _turns()
    got = _call("q.qsize()", q.qsize)
    if got != 1:
        raise CheckFailure(
            f"after a waiting get was cancelled, q.put_nowait('y') left {got} items in the "
            "queue, not 1: a cancelled get must drop out of the line of waiting gets"
        )


# --- task_done and join -----------------------------------------------------------------


@_checked("task-done-join")
async def _task_done_join(subject: AsyncQueueUnderTest) -> None:
    q = _new(subject)
    await _prompt("await q.join() on a queue that never held an item", q.join)
    for item in "abc":
        _call(f"q.put_nowait({item!r})", q.put_nowait, item)
    for _ in "abc":
        _call("q.get_nowait()", q.get_nowait)
    for _ in range(2):
        _call("q.task_done()", q.task_done)
    joiners = [_start(f"join #{n} with one task not done", q.join) for n in (1, 2, 3)]
    try:
        await _turns()
        if any(j.done() for j in joiners):
            raise CheckFailure(
                "await q.join() returned while an item was not yet marked done: count "
                "unfinished tasks up on put and down on task_done, not on get (3 puts, 3 gets, "
                "2 task_done)"
            )
        _call("the last q.task_done()", q.task_done)
        await _turns(joiners)
        done = sum(j.done() for j in joiners)
        if done < len(joiners):
            raise CheckFailure(
                f"only {done} of {len(joiners)} waiting join() calls returned after the last "
                "task_done(): every joiner waits for the same thing, so wake them all "
                "(an asyncio.Event that is set when the count reaches 0)"
            )
        for joiner in joiners:
            await _woken(joiner, "the last task_done()")
    finally:
        await _cancel_all(joiners)


@_checked("too-many-task-done")
async def _too_many_task_done(subject: AsyncQueueUnderTest) -> None:
    q = _new(subject)
    _expect_value_error("q.task_done() on a new queue", q.task_done)
    _call("q.put_nowait('a')", q.put_nowait, "a")
    _call("q.get_nowait()", q.get_nowait)
    try:
        q.task_done()
    except ValueError:
        raise CheckFailure(
            "after a refused task_done(), a task_done() for a new item raised ValueError: the "
            "refused call lowered the count anyway; raise before changing it"
        ) from None
    _expect_value_error("a second q.task_done() for one item", q.task_done)
    await _prompt("await q.join() after the refused task_done()", q.join)


def _expect_value_error(label: str, function: Callable[[], Any]) -> None:
    why = "task_done() called more times than items were put must raise ValueError"
    try:
        function()
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as exc:
        raise CheckFailure(f"{label} raised {type(exc).__name__}, not ValueError: {why}") from None
    raise CheckFailure(f"{label} returned instead of raising ValueError: {why}")


# --- exactly-once -----------------------------------------------------------------------


@_checked("exactly-once")
async def _exactly_once(subject: AsyncQueueUnderTest) -> None:
    producers, consumers = subject.producers, subject.consumers
    count, maxsize = subject.items, subject.maxsize
    q = _new(subject, maxsize)
    end = _End()
    received: list[list[Any]] = [[] for _ in range(consumers)]
    shuffle = random.Random(count)

    async def produce(first: int) -> None:
        for item in range(first, count, producers):
            if shuffle.random() < 0.3:
                await asyncio.sleep(0)
            await q.put(item)

    async def consume(into: list[Any]) -> None:
        while (item := await q.get()) is not end:
            into.append(item)
            if shuffle.random() < 0.3:
                await asyncio.sleep(0)

    def delivered() -> int:
        return sum(len(into) for into in received)

    makers = [asyncio.create_task(produce(n), name=f"producer {n}") for n in range(producers)]
    takers = [
        asyncio.create_task(consume(into), name=f"consumer {n}") for n, into in enumerate(received)
    ]
    setup = (
        f"{producers} producer and {consumers} consumer tasks moving {count} items through "
        f"Queue({maxsize})"
    )
    try:
        stuck = await _while_progressing(makers, delivered)
        _raise_failures(setup, [*makers, *takers])
        if not stuck:
            try:
                async with asyncio.timeout(WAKE):
                    for _ in takers:
                        await q.put(end)
            except TimeoutError:
                stuck = True
        if not stuck:
            stuck = await _while_progressing(takers, delivered)
            _raise_failures(setup, [*makers, *takers])
        if stuck:
            waiting = [t.get_name() for t in (*makers, *takers) if not t.done()]
            raise CheckFailure(
                f"{setup}: no item moved for {WAKE:g} s, with {len(waiting)} tasks still "
                f"waiting ({', '.join(waiting[:4])}) and {delivered()} items delivered: a lost "
                "wakeup. Every put must wake a waiting get and every get a waiting put"
            )
    finally:
        await _cancel_all([*makers, *takers])
    counts = Counter(item for into in received for item in into)
    twice = sorted(i for i, n in counts.items() if n > 1)
    missing = sorted(set(range(count)) - set(counts))
    if twice or missing:
        faults = []
        if twice:
            faults.append(f"{len(twice)} delivered more than once (e.g. {twice[0]})")
        if missing:
            faults.append(f"{len(missing)} never delivered (e.g. {missing[0]})")
        raise CheckFailure(
            f"{setup}: {' and '.join(faults)}: each item goes into the queue once and comes "
            "out of exactly one get"
        )


def _raise_failures(setup: str, tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise CheckFailure(f"{setup}: {task.get_name()} {_outcome(task)}")


async def _while_progressing(tasks: list[asyncio.Task], progress: Callable[[], int]) -> bool:
    """Wait for the tasks while ``progress()`` keeps changing; True when it stopped first."""
    last, moved = progress(), time.monotonic()
    deadline = moved + EXACTLY_ONCE_DEADLINE
    while not all(t.done() for t in tasks):
        await asyncio.sleep(0.01)
        now, seen = time.monotonic(), progress()
        if seen != last:
            last, moved = seen, now
        if any(t.done() and not t.cancelled() and t.exception() for t in tasks):
            return False
        if now - moved > WAKE or now > deadline:
            return True
    return False


# --- no-busy-wait -----------------------------------------------------------------------


class _Stepped:
    """An awaitable around the student's that counts how often the task resumed it.

    A call that waits on a Future is resumed once, when it is woken; one that
    polls (``await asyncio.sleep(0)`` in a loop) is resumed at every turn of
    the loop. Counting steps is structural: it needs no CPU clock.
    """

    def __init__(self, awaitable: Awaitable) -> None:
        self._inner = awaitable.__await__()
        self.steps = 0

    def __await__(self) -> Any:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                yielded = self._inner.throw(error) if error else self._inner.send(value)
            except StopIteration as done:
                return done.value
            self.steps += 1
            try:
                value, error = (yield yielded), None
            except BaseException as exc:  # a cancellation, thrown in by the task
                value, error = None, exc


@_checked("no-busy-wait")
async def _no_busy_wait(subject: AsyncQueueUnderTest) -> None:
    empty, full, pending = _new(subject), _new(subject, 1), _new(subject)
    _call("full.put_nowait('a')", full.put_nowait, "a")
    _call("pending.put_nowait('a')", pending.put_nowait, "a")
    _call("pending.get_nowait()", pending.get_nowait)
    calls = {
        "get() on an empty queue": _Stepped(_awaitable("empty.get()", empty.get)),
        "put() on a full queue": _Stepped(_awaitable("full.put('b')", lambda: full.put("b"))),
        "join() with a task not done": _Stepped(_awaitable("pending.join()", pending.join)),
    }
    # The check that judges whether each call waits at all.
    owners = dict(
        zip(calls, ("blocks-when-empty", "blocks-when-full", "task-done-join"), strict=True)
    )
    waiting = {
        asyncio.create_task(_await(stepped), name=label): stepped
        for label, stepped in calls.items()
    }
    try:
        await _turns()
        early = [t for t in waiting if t.done()]
        if early:
            name = early[0].get_name()
            raise SkipCheck(
                f"{name} did not wait, so its waiting could not be watched: see {owners[name]}"
            )
        before = {task: stepped.steps for task, stepped in waiting.items()}
        await asyncio.sleep(IDLE_WINDOW)
        woken = {task: stepped.steps - before[task] for task, stepped in waiting.items()}
    finally:
        await _cancel_all(waiting)
    task, times = max(woken.items(), key=lambda item: item[1])
    if times > IDLE_WAKEUPS:
        raise CheckFailure(
            f"{task.get_name()} was resumed {times} times in {IDLE_WINDOW:g} s while it had to "
            "wait: it polls instead of waiting. Await a Future (or an asyncio.Event) that "
            "the other side completes"
        )


async def _await(awaitable: Awaitable) -> Any:
    return await awaitable


# --- the checker ------------------------------------------------------------------------


def check_queue(
    queue_class: QueueClass,
    only: Iterable[str] | None = None,
    *,
    producers: int = 4,
    consumers: int = 6,
    items: int = 2000,
    maxsize: int = 8,
) -> Report:
    """Run the asyncio-queue checks (or those named in ``only``) on a class like asyncio.Queue.

    ``producers``, ``consumers``, ``items`` and ``maxsize`` shape the exactly-once check.
    """
    subject = AsyncQueueUnderTest(queue_class, producers, consumers, items, maxsize)
    name = getattr(queue_class, "__qualname__", "Queue")
    with capture():  # what abandoned loops report after their check has ended
        return CHECKS.run(name, subject, only, wrap=guarded)


__all__ = ["CHECKS", "check_queue"]
