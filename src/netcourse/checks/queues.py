"""Checks for a bounded blocking queue with ``queue.Queue``'s interface (notebook 05).

The student's class is called like ``queue.Queue``: ``Queue(maxsize=0)``,
``put``/``get`` with ``block`` and ``timeout``, ``put_nowait``/``get_nowait``,
``qsize``/``empty``/``full``, ``task_done``/``join`` and ``shutdown`` as in
Python 3.13, raising ``queue.Full``, ``queue.Empty`` and
``netcourse.compat.ShutDown`` (which is ``queue.ShutDown`` on 3.13+).
``queue.Queue`` itself passes every check (``shutdown`` is skipped before 3.13).

Bugs that show only under some interleavings are forced deterministically:
a waiter is woken and its item (or room) is taken before it runs again (a
"stolen wakeup", which a ``wait()`` outside a ``while`` loop mishandles), and
two getters plus a producer wait at once on a one-slot queue (which a single
Condition with ``notify()`` deadlocks).

One fault fails one check. A check that meets a fault another check is
about (a put that never blocks, seen while measuring timeouts) points there
("see blocks-when-full") instead of failing too, and a method the class lacks
fails only the check of that method (``queue.SimpleQueue`` has no
``task_done()``): so any class with some of ``queue.Queue``'s interface gets
a whole report, right for what it is.

Where the GIL matters: ``exactly-once`` is a stress test, and on a standard
build a race needs a thread switch inside a few bytecodes, so it shortens the
switch interval while it runs (free-threaded builds race in parallel
anyway). ``no-busy-wait`` proves polling structurally, not by timing: it
traces each blocked call and counts the Python steps it runs while a thread
of the checker's own computes. A call blocked in a lock's ``acquire()`` runs
none, whatever the load; a polling call runs some at every turn it gets, and
it gets turns while ours computes (with the GIL, the interpreter hands it
to a waiting thread every switch interval, which the check shortens to
0.1 ms meanwhile; without it, the operating system shares the cores between
runnable threads). The window is our thread's CPU time, not wall time, so a
loaded machine only lengthens it.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..compat import ShutDown
from .harness.calls import (
    PROMPT,
    WAKE,
    Call,
    Steps,
    exception_name,
    guarded,
    prompt,
    prompt_raises,
    returned_early,
    wait_all,
)
from .harness.capture import capture, wait_until
from .harness.core import (
    CheckFailure,
    Checklist,
    NotAttempted,
    OtherFault,
    Report,
    SkipCheck,
    fault_of,
    short_repr,
)

QueueClass = Callable[..., Any]


@dataclass(frozen=True)
class QueueUnderTest:
    """The class under test, and the shape of the exactly-once exchange."""

    cls: QueueClass
    producers: int = 2
    consumers: int = 6
    items: int = 3000
    maxsize: int = 8


CHECKS: Checklist[QueueUnderTest] = Checklist("queue")

# A get or put with a timeout this short must raise in time; one this long
# must return as soon as the queue lets it, long before the timeout.
SHORT_TIMEOUT = 0.2
LONG_TIMEOUT = 30.0
# The no-busy-wait check lets its blocked calls reach their wait while a thread
# of ours computes for SETTLE_CPU seconds of CPU time, then counts the steps they
# run while it computes for WATCH_CPU more (or until WATCH_DEADLINE, on a machine
# too loaded to give it that). With the GIL handed over every
# WATCH_SWITCH_INTERVAL, a call that polls without pausing gets a turn at least
# that often and runs thousands of steps (5,000 and up, measured on 2 cores at
# load 10); one that sleeps 10 ms between looks runs a few hundred; one blocked
# on a lock runs none.
SETTLE_CPU = 0.05
WATCH_CPU = 0.2
WATCH_SWITCH_INTERVAL = 1e-4
WATCH_DEADLINE = 10.0
BUSY_STEPS = 1000
# exactly-once is a stress test: a race shows only when a thread is switched
# out inside a few bytecodes. Frequent switches and several rounds make that
# near certain (a racy get that a single round misses one time in three on a
# loaded 2-core machine is caught by one of three rounds 96% of the time).
RACY_SWITCH_INTERVAL = 1e-5
EXACTLY_ONCE_ROUNDS = 3
EXACTLY_ONCE_DEADLINE = 60.0


# The check each method belongs to: a queue without it fails that check and no other.
_OWNER = {
    "put": "fifo",
    "get": "fifo",
    "qsize": "fifo",
    "full": "blocks-when-full",
    "empty": "blocks-when-empty",
    "put_nowait": "timeouts",
    "get_nowait": "timeouts",
    "task_done": "task-done-join",
    "join": "task-done-join",
    "shutdown": "shutdown",
}
# Which check a fault seen in a call of each operation belongs to.
_BLOCKING_OWNER = {"put": "blocks-when-full", "get": "blocks-when-empty", "join": "task-done-join"}


def _require(q: Any, *names: str) -> None:
    """Fail (or point at the check it belongs to) unless ``q`` has every method named."""
    for name in names:
        if not callable(getattr(q, name, None)):
            raise fault_of(
                _OWNER[name],
                f"the queue has no {name}(): queue.Queue has it, and the exercise asks for it",
            )


def _new(queue_class: QueueClass, maxsize: int = 0) -> Any:
    """A new queue; one that cannot be made at all is fifo's fault, a bounded one that
    cannot be made blocks-when-full's."""
    label = f"Queue({maxsize})" if maxsize else "Queue()"
    try:
        return prompt(label, queue_class, *((maxsize,) if maxsize else ()))
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise fault_of("blocks-when-full" if maxsize else "fifo", str(exc)) from None


def _fill(q: Any, items: Iterable[Any], name: str = "q") -> None:
    items = list(items)
    prompt(f"{name}.put(...) of {_few(items)}", lambda: [q.put(i) for i in items])


def _drain(q: Any, count: int, name: str = "q") -> list[Any]:
    return prompt(f"{count} x {name}.get()", lambda: [q.get() for _ in range(count)])


def _few(items: list[Any], limit: int = 4) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return f"[{shown}{', ...' if len(items) > limit else ''}]"


def _ended(call: Call, said: bool = True) -> str:
    """How a call that has finished ended: ``returned 'a'``, ``raised LoopExit`` and,
    if ``said``, what the exception said (`` (This operation would block forever)``)."""
    error = call.error(0, "is still running")
    if error is None:
        return f"returned {short_repr(call.result, 24)}"
    return f"raised {type(error).__name__}" + (_said(error) if said else "")


def _said(error: BaseException | None) -> str:
    """`` (what the exception said)``, cut short; empty for none or an empty message."""
    text = str(error).strip().split("\n")[0] if error is not None else ""
    text = text if len(text) <= 40 else text[:37] + "..."
    return f" ({text})" if text else ""


def _owned(operation: str, failure: CheckFailure) -> CheckFailure | OtherFault:
    """A fault seen in a blocking ``operation`` (put, get, join), as the check it is about."""
    if isinstance(failure, NotAttempted):
        return failure
    return fault_of(_BLOCKING_OWNER[operation], str(failure))


# --- fifo -------------------------------------------------------------------------------


@CHECKS.check("fifo")
def _fifo(subject: QueueUnderTest) -> None:
    queue_class = subject.cls
    q = _new(queue_class)
    _require(q, "put", "get", "qsize")
    items = [*range(20), None, 0, "", (1, 2)]
    _fill(q, items)
    size = prompt("q.qsize()", q.qsize)
    if size != len(items):
        raise CheckFailure(f"q.qsize() returned {size!r} after {len(items)} puts into Queue()")
    got = _drain(q, len(items))
    if got != items:
        if got == items[::-1]:
            raise CheckFailure(
                "items came out last-in first-out: a queue hands out the oldest item first "
                "(collections.deque: append() then popleft(); list.pop() takes the newest)"
            )
        raise CheckFailure(f"items went in as {_few(items)} but came out as {_few(got)}")
    bounded = _new(queue_class, 3)
    order = prompt("put 1, 2; get; put 3, 4; get x 3 on Queue(3)", _interleave, bounded)
    if order != [1, 2, 3, 4]:
        raise CheckFailure(
            f"with puts and gets interleaved on Queue(3), items came out as {order!r}, "
            "not [1, 2, 3, 4]"
        )


def _interleave(q: Any) -> list[Any]:
    q.put(1)
    q.put(2)
    out = [q.get()]
    q.put(3)
    q.put(4)
    return out + [q.get() for _ in range(3)]


# --- blocking ---------------------------------------------------------------------------


def _explain_early(call: Call, should: str) -> CheckFailure:
    """The failure for a call that should have blocked but finished: what it did leads,
    what its exception said follows the advice."""
    error = call.error(0, "is still running")
    return CheckFailure(f"{call.label} {_ended(call, said=False)} at once: {should}{_said(error)}")


@CHECKS.check("blocks-when-full")
def _blocks_when_full(subject: QueueUnderTest) -> None:
    queue_class = subject.cls
    q, other = _new(queue_class, 2), _new(queue_class, 1)
    _require(q, "full", "put_nowait")
    _fill(q, ["a", "b"])
    _fill(other, ["x"], "other")
    if not prompt("q.full()", q.full):
        raise CheckFailure("q.full() did not return True with 2 items in a Queue(2)")
    putter = Call("q.put('c') on a full Queue(2)", q.put, "c")
    victim = Call("other.put('y') on a full Queue(1)", other.put, "y")
    early = returned_early([putter, victim])
    if early:
        raise _explain_early(early[0], "put must wait while the queue holds maxsize items")
    first = prompt("q.get() on a full queue with a put waiting", q.get)
    putter.value(
        WAKE,
        f"stayed blocked for {WAKE:g} s after a get made room: get must wake a waiting put "
        "(notify the condition that put waits on)",
    )
    held = sorted([first, *_drain(q, 2)])
    if held != ["a", "b", "c"]:
        raise CheckFailure(f"a full Queue(2) and a blocked put of 'c' gave back {held!r}")
    _stolen_room(other, victim)


def _take_then_refill(q: Any) -> bool:
    """Make room and fill it again at once; False when a woken put got in between."""
    q.get()
    try:
        q.put_nowait("z")
    except queue.Full:
        return False
    return True


def _give_then_take(q: Any) -> bool:
    """Put an item and take it back at once; False when a woken get got in between."""
    q.put("b")
    try:
        q.get_nowait()
    except queue.Empty:
        return False
    return True


# A stolen wakeup needs the woken thread to lose the race for the lock to a
# thread that is already running; that is nearly certain, and when it does
# not happen the scenario is simply run again.
STOLEN_WAKEUP_ATTEMPTS = 3


def _stolen_room(q: Any, putter: Call) -> None:
    """A put blocked on a full Queue(1) is woken by a get, whose slot is taken again first."""
    for _attempt in range(STOLEN_WAKEUP_ATTEMPTS):
        if not prompt("other.get() then other.put_nowait('z')", _take_then_refill, q):
            putter.value(WAKE, "stayed blocked after a get made room")
            putter = Call("other.put('y') on a full Queue(1)", q.put, "y")
            if returned_early([putter]):
                raise _explain_early(putter, "put must wait while the queue is full")
            continue
        if returned_early([putter]):
            size = prompt("other.qsize()", q.qsize)
            raise CheckFailure(
                "a woken put went on although another put took the free slot first: the "
                f"Queue(1) now holds {size} items. After wait() returns, check again for room "
                "(wait in a `while` loop, not an `if`)"
            )
        _drain(q, 1, "other")
        putter.value(WAKE, "stayed blocked after a get made room")
        return


@CHECKS.check("blocks-when-empty")
def _blocks_when_empty(subject: QueueUnderTest) -> None:
    queue_class = subject.cls
    q, other = _new(queue_class), _new(queue_class)
    _require(q, "empty", "get_nowait")
    if not prompt("q.empty()", q.empty):
        raise CheckFailure("q.empty() did not return True on a new Queue()")
    getter = Call("q.get() on an empty queue", q.get)
    victim = Call("other.get() on an empty queue", other.get)
    early = returned_early([getter, victim])
    if early:
        raise _explain_early(early[0], "get must wait until an item arrives")
    prompt("q.put('a')", q.put, "a")
    got = getter.value(
        WAKE,
        f"stayed blocked for {WAKE:g} s after a put: put must wake a waiting get "
        "(notify the condition that get waits on)",
    )
    if got != "a":
        raise CheckFailure(f"the waiting q.get() returned {got!r} after q.put('a')")
    _stolen_item(other, victim)
    _mixed_waiters(queue_class)


def _mixed_waiters(queue_class: QueueClass) -> None:
    """Two getters wait on a one-slot queue; one thread puts 'x' then 'y'.

    The second put finds the slot still taken and waits too. With a single
    Condition and notify(), the get that takes 'x' wakes the other getter
    instead of the producer, and all of them wait forever (a lost wakeup).
    Puts that wait for room are blocks-when-full's to judge: if they fail
    here, this points there.
    """
    q = _new(queue_class, 1)
    getters = [Call(f"get #{n} on an empty Queue(1)", q.get) for n in (1, 2)]
    early = returned_early(getters)
    if early:
        raise _explain_early(early[0], "get must wait until an item arrives")
    producer = Call("q.put('x') then q.put('y') on Queue(1)", lambda: (q.put("x"), q.put("y")))
    calls = [producer, *getters]
    try:
        if not wait_all(calls, WAKE):
            raise CheckFailure(
                f"a lost wakeup: two gets waited on a Queue(1), a thread put 'x' then 'y', "
                f"and {sum(not c.finished for c in calls)} of the 3 calls still waited "
                f"{WAKE:g} s later. A notify() woke a thread that could not go on (a getter "
                "when a putter was needed): wait on two conditions (not_empty, not_full) or "
                "use notify_all()"
            )
        for call in calls:
            call.value(0)
    except CheckFailure as exc:
        raise _owned("put", exc) from None
    got = sorted(g.value(0) for g in getters)
    if got != ["x", "y"]:
        raise CheckFailure(f"two waiting gets on Queue(1) received {got!r}, not 'x' and 'y'")


def _stolen_item(q: Any, getter: Call) -> None:
    """A get blocked on an empty queue is woken by a put, whose item is taken first."""
    for _attempt in range(STOLEN_WAKEUP_ATTEMPTS):
        if not prompt("other.put('b') then other.get_nowait()", _give_then_take, q):
            getter.value(WAKE, "stayed blocked after a put")
            getter = Call("other.get() on an empty queue", q.get)
            if returned_early([getter]):
                raise _explain_early(getter, "get must wait until an item arrives")
            continue
        if returned_early([getter]):
            raise CheckFailure(
                "a woken get went on although another get took the item first: it "
                f"{_ended(getter)}. After wait() returns, check again for an item (wait in a "
                "`while` loop, not an `if`)"
            )
        prompt("other.put('c')", q.put, "c")
        got = getter.value(WAKE, "stayed blocked after a put")
        if got != "c":
            raise CheckFailure(f"the waiting other.get() returned {got!r}; expected 'c'")
        return


# --- timeouts ---------------------------------------------------------------------------


@CHECKS.check("timeouts")
def _timeouts(subject: QueueUnderTest) -> None:
    """Non-blocking and timed calls; a put or get that never waits at all is the fault of
    blocks-when-full or blocks-when-empty, which these calls then point to."""
    queue_class = subject.cls
    empty, full = _new(queue_class, 1), _new(queue_class, 1)
    _require(empty, "put_nowait", "get_nowait")
    _fill(full, ["a"], "full")
    for label, call in [
        ("empty.get(block=False)", lambda: empty.get(block=False)),
        ("empty.get_nowait()", empty.get_nowait),
    ]:
        _timed(
            "get", prompt_raises, label, queue.Empty, "a get that may not wait raises Empty", call
        )
    for label, call in [
        ("full.put('b', block=False)", lambda: full.put("b", block=False)),
        ("full.put_nowait('b')", lambda: full.put_nowait("b")),
    ]:
        _timed("put", prompt_raises, label, queue.Full, "a put that may not wait raises Full", call)
    # Calls with a long timeout, released long before it runs out, alongside
    # calls with a short one that must give up.
    waiting, waiting_full = _new(queue_class, 1), _new(queue_class, 1)
    _fill(waiting_full, ["a"], "waiting_full")
    patient = [
        ("get", Call(f"waiting.get(timeout={LONG_TIMEOUT:g})", waiting.get, timeout=LONG_TIMEOUT)),
        (
            "put",
            Call(
                f"waiting_full.put('b', timeout={LONG_TIMEOUT:g})",
                waiting_full.put,
                "b",
                timeout=LONG_TIMEOUT,
            ),
        ),
    ]
    short = [
        (
            "get",
            Call(f"empty.get(timeout={SHORT_TIMEOUT})", empty.get, timeout=SHORT_TIMEOUT),
            queue.Empty,
        ),
        (
            "put",
            Call(f"full.put('b', timeout={SHORT_TIMEOUT})", full.put, "b", timeout=SHORT_TIMEOUT),
            queue.Full,
        ),
    ]
    for operation, call, kind in short:
        _timed(
            operation,
            call.raised,
            kind,
            SHORT_TIMEOUT + WAKE,
            f"was still waiting {WAKE:g} s after its timeout: wait at most `timeout` seconds "
            "(Condition.wait(remaining)), then give up",
            f"when the timeout runs out, raise {exception_name(kind)}",
        )
        if call.wall_seconds < SHORT_TIMEOUT / 2:
            raise _owned(
                operation,
                CheckFailure(
                    f"{call.label} gave up after {call.wall_seconds:.2f} s: it must wait up to "
                    "its timeout before it raises"
                ),
            )
    prompt("waiting.put('x')", waiting.put, "x")
    prompt("waiting_full.get()", waiting_full.get)
    for operation, call in patient:
        _timed(
            operation,
            call.value,
            WAKE,
            "was not woken when the queue let it go on: a call with a "
            "timeout must be woken like one without (Condition.wait(remaining), not "
            "time.sleep(timeout))",
        )


def _timed(operation: str, verdict: Callable[..., Any], *args: Any) -> Any:
    """``verdict(*args)``; its failure is the timeouts check's own when ``operation`` can
    block at all (blocks-when-full or -empty passed), and theirs when it cannot."""
    try:
        return verdict(*args)
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise OtherFault(_BLOCKING_OWNER[operation], str(exc)) from None


# --- task_done and join -----------------------------------------------------------------


@CHECKS.check("task-done-join")
def _task_done_join(subject: QueueUnderTest) -> None:
    queue_class = subject.cls
    q = _new(queue_class)
    _require(q, "task_done", "join")
    prompt("q.join() on a queue that never held an item", q.join)
    prompt("put 'a', 'b', 'c'; get x 3; task_done x 2", _two_of_three_done, q)
    joiners = [Call(f"join #{n} with one task not done", q.join) for n in (1, 2, 3)]
    early = returned_early(joiners)
    if early and early[0].error(0, "") is not None:
        raise _explain_early(early[0], "join must wait until every item is marked done")
    if early:
        raise CheckFailure(
            "q.join() returned while 1 of 3 items was not marked done: count unfinished "
            "tasks up on put and down on task_done (3 puts, 3 gets, 2 task_done here), "
            "not on get"
        )
    prompt("the last q.task_done()", q.task_done)
    wait_all(joiners, WAKE)
    done = sum(call.finished for call in joiners)
    if done == 0:
        raise CheckFailure(
            f"no waiting join() returned within {WAKE:g} s of the last task_done(): when the "
            "count of unfinished tasks reaches 0, task_done must wake the joiners"
        )
    if done < len(joiners):
        raise CheckFailure(
            f"only {done} of {len(joiners)} waiting join() calls returned after the last "
            "task_done(): notify() wakes one waiter; every joiner waits for the same thing, "
            "so use notify_all()"
        )
    for call in joiners:
        call.value(0)


def _two_of_three_done(q: Any) -> None:
    for item in "abc":
        q.put(item)
    for _ in "abc":
        q.get()
    q.task_done()
    q.task_done()


def _done_once(q: Any) -> bool:
    """Put, get and mark one item done; False when that task_done raised ValueError."""
    q.put("a")
    q.get()
    try:
        q.task_done()
    except ValueError:
        return False
    return True


@CHECKS.check("too-many-task-done")
def _too_many_task_done(subject: QueueUnderTest) -> None:
    """A count that never goes down (task-done-join's fault) never refuses a task_done
    either: what that hides points there."""
    queue_class = subject.cls
    why = "task_done() called more times than items were put must raise ValueError"
    q = _new(queue_class)
    _require(q, "task_done", "join")
    prompt_raises("q.task_done() on a new queue", ValueError, why, q.task_done)
    if not prompt("q.put('a'); q.get(); q.task_done()", _done_once, q):
        raise CheckFailure(
            "a refused task_done() lowered the count anyway: a task_done() for a new item "
            "then raised ValueError; raise before changing it, so that it never goes below 0"
        )
    try:
        prompt_raises("a second q.task_done() for one item", ValueError, why, q.task_done)
        Call("q.join() after the refused task_done()", q.join).value(
            PROMPT,
            "blocked: raise ValueError before changing the count, so that it never goes below 0",
        )
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise OtherFault("task-done-join", str(exc)) from None


# --- exactly-once -----------------------------------------------------------------------


@CHECKS.check("exactly-once")
def _exactly_once(subject: QueueUnderTest) -> None:
    """Several rounds of the exchange: each round is a fresh chance for a race to show.

    A put or get that waits wrongly (a stolen or a lost wakeup) shows here too; that is
    blocks-when-full's or blocks-when-empty's fault when they failed, this check's only
    when they passed.
    """
    try:
        for _round in range(EXACTLY_ONCE_ROUNDS):
            _exchange(subject)
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise OtherFault(("blocks-when-empty", "blocks-when-full"), str(exc)) from None


def _exchange(subject: QueueUnderTest) -> None:
    queue_class, producers, consumers = subject.cls, subject.producers, subject.consumers
    items, maxsize = subject.items, subject.maxsize
    q = _new(queue_class, maxsize)
    # The end marker is a number after every item: it survives a copy (a process queue
    # hands out copies) and sorts last (a priority queue orders what it holds).
    end = items
    received: list[list[Any]] = [[] for _ in range(consumers)]

    put_lock, puts = threading.Lock(), [0]

    def produce(first: int) -> None:
        for item in range(first, items, producers):
            q.put(item)
            with put_lock:
                puts[0] += 1

    def consume(into: list[Any]) -> None:
        while (item := q.get()) != end:
            into.append(item)

    def delivered() -> int:
        return sum(len(into) for into in received)

    saved = sys.getswitchinterval()
    sys.setswitchinterval(RACY_SWITCH_INTERVAL)
    try:
        makers = [Call(f"producer {n}", produce, n) for n in range(producers)]
        # Consumers start once the queue is full, so that producers wait for
        # room at least once in every round, whatever the timing.
        wait_until(lambda: puts[0] >= min(maxsize, items), PROMPT)
        takers = [Call(f"consumer {n}", consume, into) for n, into in enumerate(received)]
        # The end markers go in only once every item is out (or nothing moves
        # any more), so that they cannot overtake items whatever the order.
        if _while_progressing(lambda: all(c.finished for c in makers), delivered):
            _while_progressing(lambda: delivered() >= items, delivered)
        enders = Call("the end markers' puts", lambda: [q.put(end) for _ in received])
        makers.append(enders)
        _while_progressing(lambda: all(c.finished for c in (enders, *takers)), delivered)
    finally:
        sys.setswitchinterval(saved)
    setup = f"{producers} producers, {consumers} consumers, {items} items, Queue({maxsize})"
    stuck = [c.label for c in (*makers, *takers) if not c.finished]
    for call in (*makers, *takers):
        if call.finished:
            call.value(0)
    counts = Counter(item for into in received for item in into)
    if stuck:
        raise CheckFailure(
            f"a lost wakeup: no item moved for {WAKE:g} s with {len(stuck)} threads waiting "
            f"({', '.join(stuck[:3])}) and {sum(counts.values())} of {items} items delivered "
            f"({setup}). Every put must wake a waiting get and every get a waiting put; with "
            "one Condition for both, notify() can wake the wrong kind of waiter"
        )
    twice = sorted(i for i, n in counts.items() if n > 1)
    missing = sorted(set(range(items)) - set(counts))
    if twice or missing:
        faults = []
        if twice:
            faults.append(f"{len(twice)} delivered twice (e.g. {twice[0]})")
        if missing:
            faults.append(f"{len(missing)} never (e.g. {missing[0]})")
        raise CheckFailure(
            f"of {items} items, {' and '.join(faults)} ({setup}). Two threads changed the "
            "queue at once: hold the lock for the whole check-and-update in put and in get"
        )


def _while_progressing(done: Callable[[], bool], progress: Callable[[], int]) -> bool:
    """Wait until ``done()`` while ``progress()`` keeps changing; return ``done()``.

    Gives up once nothing has moved for :data:`WAKE` seconds (a lost wakeup
    stops all progress) or after :data:`EXACTLY_ONCE_DEADLINE` in all.
    """
    last, moved = progress(), time.monotonic()
    deadline = moved + EXACTLY_ONCE_DEADLINE
    while not done():
        now, seen = time.monotonic(), progress()
        if seen != last:
            last, moved = seen, now
        if now - moved > WAKE or now > deadline:
            return False
        time.sleep(0.002)
    return True


# --- no-busy-wait -----------------------------------------------------------------------


def _compute(cpu_seconds: float, deadline: float) -> float:
    """Compute without pause until this thread has had ``cpu_seconds`` of CPU time (or
    ``deadline`` seconds have passed); return the CPU time it had."""
    start, end = time.thread_time(), time.monotonic() + deadline
    while time.thread_time() - start < cpu_seconds and time.monotonic() < end:
        pass
    return time.thread_time() - start


def _computed(cpu_seconds: float) -> float:
    """The CPU time a thread of ours got computing for ``cpu_seconds`` of it, beside the calls."""
    spinner = Call("a thread that computes", _compute, cpu_seconds, WATCH_DEADLINE)
    return spinner.value(WATCH_DEADLINE + WAKE)


def _watched(label: str, function: Callable[..., Any], *args: Any) -> tuple[Call, Steps]:
    """A call of ``function(*args)`` and the count of the Python steps it runs."""
    steps = Steps(function)
    return Call(label, steps, *args), steps


@CHECKS.check("no-busy-wait")
def _no_busy_wait(subject: QueueUnderTest) -> None:
    """Blocked get, put and join run no Python code while a thread of ours computes.

    Whether each call blocks at all, and wakes once released, is another check's
    property: a call that does not points there. A queue without join() is
    watched on get and put.
    """
    queue_class = subject.cls
    empty, full = _new(queue_class), _new(queue_class, 1)
    _fill(full, ["a"], "full")
    calls = [
        ("get", *_watched("get() on an empty queue", empty.get)),
        ("put", *_watched("put() on a full queue", full.put, "b")),
    ]
    releases = [lambda: empty.put(1), full.get]
    if callable(getattr(empty, "join", None)) and callable(getattr(empty, "task_done", None)):
        pending = _new(queue_class)
        prompt("pending.put('a'); pending.get()", lambda: (pending.put("a"), pending.get()))
        calls.append(("join", *_watched("join() with a task not done", pending.join)))
        releases.append(pending.task_done)
    for _operation, call, _steps in calls:
        if not call.entered.wait(PROMPT):
            raise CheckFailure(f"{call.label} had not started after {PROMPT:g} s")
    saved = sys.getswitchinterval()
    sys.setswitchinterval(WATCH_SWITCH_INTERVAL)
    try:
        _computed(SETTLE_CPU)
        before = [steps.count for _, _, steps in calls]
        computed = _computed(WATCH_CPU)
    finally:
        sys.setswitchinterval(saved)
    ran = [(call, steps.count - b) for (_, call, steps), b in zip(calls, before, strict=True)]
    for operation, call, _steps in calls:
        if call.finished:
            raise _owned(operation, _explain_early(call, "its waiting cannot be watched"))
    prompt("release: put, get and task_done", lambda: [release() for release in releases])
    for operation, call, _steps in calls:
        try:
            call.value(WAKE, "did not return once released: its waiting cannot be watched")
        except CheckFailure as exc:
            raise _owned(operation, exc) from None
    if sum(count for _, count in ran) > BUSY_STEPS:
        worst, count = max(ran, key=lambda pair: pair[1])
        raise CheckFailure(
            f"{worst.label} kept running while blocked: it polls instead of sleeping "
            f"({count} Python lines and calls while a thread of ours computed for "
            f"{computed * 1000:.0f} ms; a call that waits on a lock runs none). Wait on a "
            "threading.Condition, which sleeps until notified"
        )


# --- shutdown ---------------------------------------------------------------------------


@CHECKS.check("shutdown")
def _shutdown(subject: QueueUnderTest) -> None:
    queue_class = subject.cls
    made = _new(queue_class)
    if not callable(getattr(made, "shutdown", None)):
        if isinstance(made, queue.Queue):
            version = sys.version.split()[0]
            raise SkipCheck(f"queue.Queue has shutdown() from Python 3.13; this is {version}")
        _require(made, "shutdown")
    gently = _GentleShutdown(queue_class)
    immediately = _ImmediateShutdown(queue_class)
    blocked = [*gently.blocked, *immediately.blocked]
    early = returned_early(call for _, call in blocked)
    if early:
        operation = next(op for op, call in blocked if call is early[0])
        raise _owned(operation, _explain_early(early[0], "it should block"))
    gently.check()
    immediately.check()


def _expect_shutdown(call: Call, why: str) -> None:
    call.raised(
        ShutDown,
        WAKE,
        f"was still waiting {WAKE:g} s after shutdown(): shutdown must wake every blocked "
        "caller (notify_all on each condition), and a woken caller must check for shutdown",
        f"{why}; raise netcourse.compat.ShutDown (queue.ShutDown on Python 3.13+)",
    )


def _counted(operation: str, call: Callable[[], Any]) -> Any:
    """``call()``, where a fault is task-done-join's when the count itself is at fault."""
    try:
        return call()
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise _owned(operation, exc) from None


class _GentleShutdown:
    """shutdown(): blocked calls raise ShutDown; queued items can still be taken, then ShutDown."""

    def __init__(self, queue_class: QueueClass) -> None:
        self.full, self.empty = _new(queue_class, 1), _new(queue_class)
        _fill(self.full, ["a"], "full")
        self.putter = Call("full.put('b'), blocked", self.full.put, "b")
        self.getters = [Call(f"empty.get() #{n}, blocked", self.empty.get) for n in (1, 2)]
        self.blocked = [("put", self.putter), *(("get", g) for g in self.getters)]

    def check(self) -> None:
        full, empty = self.full, self.empty
        prompt("full.shutdown()", full.shutdown)
        prompt("empty.shutdown()", empty.shutdown)
        _expect_shutdown(self.putter, "a put blocked when the queue shuts down raises ShutDown")
        for getter in self.getters:
            _expect_shutdown(
                getter, "a get blocked on an empty queue that shuts down raises ShutDown"
            )
        for label, call in [
            ("empty.put('c') after shutdown", lambda: empty.put("c")),
            ("full.put_nowait('c') after shutdown", lambda: full.put_nowait("c")),
        ]:
            prompt_raises(label, ShutDown, "after shutdown(), put raises ShutDown", call)
        taking = Call("full.get() after shutdown()", full.get)
        if isinstance(taking.error(PROMPT, "did not return at once"), ShutDown):
            raise CheckFailure(
                f"{taking.label} raised ShutDown while the queue still held 'a': without "
                "immediate=True, the items already queued can still be taken; get raises "
                "ShutDown once the queue is empty"
            )
        left = taking.value(0)
        if left != "a":
            raise CheckFailure(
                f"full.get() after shutdown() returned {left!r}: without immediate=True, the "
                "items already queued can still be taken ('a')"
            )
        for label, call in [("full.get()", full.get), ("full.get_nowait()", full.get_nowait)]:
            prompt_raises(
                f"{label} on a shut-down queue now empty",
                ShutDown,
                "once a shut-down queue is empty, get raises ShutDown (not Empty, and never waits)",
                call,
            )
        if callable(getattr(full, "task_done", None)) and callable(getattr(full, "join", None)):
            _counted("join", lambda: prompt("full.task_done() for the item taken", full.task_done))
            _counted("join", lambda: prompt("full.join()", full.join))


class _ImmediateShutdown:
    """shutdown(immediate=True): drains the queue, counting each discarded item as done."""

    def __init__(self, queue_class: QueueClass) -> None:
        self.half, self.whole = _new(queue_class), _new(queue_class)
        prompt("half: put 'a', 'b', 'c', get one; whole: put 'x', 'y'", self._load)
        self.counts = callable(getattr(self.half, "join", None))
        self.half_joiner = self.whole_joiner = None
        self.blocked: list[tuple[str, Call]] = []
        if self.counts:
            self.half_joiner = Call("half.join()", self.half.join)
            self.whole_joiner = Call("whole.join()", self.whole.join)
            self.blocked = [("join", self.half_joiner), ("join", self.whole_joiner)]

    def _load(self) -> None:
        for item in "abc":
            self.half.put(item)
        self.half.get()
        self.whole.put("x")
        self.whole.put("y")

    def check(self) -> None:
        half, whole = self.half, self.whole
        prompt("half.shutdown(immediate=True)", half.shutdown, immediate=True)
        prompt("whole.shutdown(immediate=True)", whole.shutdown, immediate=True)
        size = prompt("half.qsize() after shutdown(immediate=True)", half.qsize)
        if size != 0:
            raise CheckFailure(
                f"half.qsize() returned {size!r} after shutdown(immediate=True): an immediate "
                "shutdown drains the queue, discarding the items it holds"
            )
        prompt_raises(
            "half.get_nowait() after shutdown(immediate=True)",
            ShutDown,
            "after an immediate shutdown, get raises ShutDown at once",
            half.get_nowait,
        )
        if not self.counts:
            return
        self.whole_joiner.value(
            WAKE,
            "went on waiting after shutdown(immediate=True) drained its 2 items: draining "
            "counts each discarded item as done, and a count of 0 wakes the joiners",
        )
        if returned_early([self.half_joiner]):
            raise CheckFailure(
                "half.join() returned after shutdown(immediate=True) although the item taken "
                "with get() was never marked done: draining counts only the discarded items "
                "as done"
            )
        _counted("join", lambda: prompt("half.task_done() for the item taken", half.task_done))
        _counted(
            "join",
            lambda: self.half_joiner.value(WAKE, "was still waiting after the last task_done()"),
        )


# --- the checker ------------------------------------------------------------------------


def check_queue(
    queue_class: QueueClass,
    only: Iterable[str] | None = None,
    *,
    producers: int = 2,
    consumers: int = 6,
    items: int = 3000,
    maxsize: int = 8,
) -> Report:
    """Run the queue checks (or those named in ``only``) on a class like ``queue.Queue``.

    ``producers``, ``consumers``, ``items`` and ``maxsize`` shape the
    exactly-once check.
    """
    subject = QueueUnderTest(queue_class, producers, consumers, items, maxsize)
    with capture():  # what abandoned threads report after their check has ended
        return CHECKS.run(_subject_name(queue_class), subject, only, wrap=guarded)


def _subject_name(queue_class: QueueClass) -> str:
    """The class's name; for a factory such as multiprocessing.Queue, its own name."""
    if hasattr(queue_class, "__self__"):  # a bound method: BaseContext.Queue of a context
        return queue_class.__name__
    return getattr(queue_class, "__qualname__", "Queue")


__all__ = ["CHECKS", "check_queue"]
