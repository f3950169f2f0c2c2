"""Checks for a round-robin scheduler of generator tasks with traps (notebook 06).

The contract of ``run(tasks) -> list``: ``tasks`` are generators. ``run``
runs them, and every task they spawn, in one thread, until every task in
``tasks`` has ended; then it closes every spawned task still unfinished and
returns the return values of ``tasks``, in order. What a task yields says
what it waits for (a *trap*):

=========================  ==============================================================
a task yields              it is resumed
=========================  ==============================================================
``None`` (a bare yield)     after every other ready task has had its turn (round robin)
``("sleep", seconds)``     once ``seconds`` have passed; sleepers wake in deadline order
``("readable", sock)``     once ``sock`` has data (or a connection) to take: a selector says so
``("writable", sock)``     once ``sock`` can take more bytes to send
``("spawn", generator)``   at once; the generator is a new task, at the back of the line
=========================  ==============================================================

Tasks that wake from a sleep or a wait join the back of the line, and the
scheduler looks for them at least once each time round the line, so a task
that keeps yielding cannot starve them. While no task is ready it waits in
the selector (or sleeps) until the next deadline: no busy waiting. If a task
raises, ``run`` closes every other task and raises that exception.

The checks give ``run`` tasks that log their steps, and compare the order of
the steps with the order the contract implies: no check depends on how fast
the machine is, only on what happened before what.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

from .harness.calls import Call, guarded
from .harness.capture import capture
from .harness.core import CheckFailure, Checklist, Report, SkipCheck, short_repr

Run = Callable[[list], Any]
Task = Generator[Any, Any, Any]

CHECKS: Checklist[Run] = Checklist("scheduler")

# Each run of a handful of tasks takes milliseconds of work; this is for a loaded machine.
RUN_DEADLINE = 5.0
# How long a task that keeps yielding goes on before it gives up waiting for a sleeper.
STARVE_LIMIT = 2.0
# The no-busy-wait check: how long every task waits, and the CPU the scheduler may use
# meanwhile, as a share of that time (never less than two ticks of a clock that counts
# CPU time in 15.6 ms, as on Windows). A waiting scheduler uses almost none; one that
# polls select(0) gets a whole core, or its fair share of one on a loaded machine. (A
# thread computing beside it is no yardstick here: a scheduler that polls releases the
# GIL at every select() and then waits for it, so it would seem to use little.)
IDLE_WINDOW = 0.3
BUSY_SHARE = 0.1
BUSY_FLOOR = 0.03


@dataclass
class _Log:
    """The steps tasks took, in order, and the tasks whose ``finally`` ran."""

    steps: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    def step(self, name: str) -> None:
        self.steps.append(name)

    def index(self, name: str) -> int:
        return self.steps.index(name) if name in self.steps else -1


def _finish(call: Call, log: _Log, seconds: float = RUN_DEADLINE) -> Any:
    return call.value(
        seconds,
        f"did not return within {seconds:g} s: run must keep going until every given task "
        f"has ended (the steps so far: {_shown(log.steps)})",
    )


def _shown(steps: list[str], limit: int = 12) -> str:
    head = ", ".join(steps[:limit])
    return f"[{head}{', ...' if len(steps) > limit else ''}]"


@contextlib.contextmanager
def _pair() -> Any:
    """Two connected non-blocking sockets, closed at the end (the peer first, which wakes
    a scheduler still waiting on ours)."""
    ours, peer = socket.socketpair()
    ours.setblocking(False)
    peer.setblocking(False)
    try:
        yield ours, peer
    finally:
        with contextlib.suppress(OSError):
            peer.send(b"!")
        peer.close()
        ours.close()


# --- round robin ------------------------------------------------------------------------


def _counter(log: _Log, name: str, steps: int) -> Task:
    try:
        for n in range(steps):
            log.step(f"{name}{n}")
            yield
    finally:
        log.closed.append(name)
    return name.upper()


@CHECKS.check("round-robin")
def _round_robin(run: Run) -> None:
    log = _Log()
    tasks = [_counter(log, "a", 3), _counter(log, "b", 1), _counter(log, "c", 3)]
    got = _finish(Call("run([a (3 steps), b (1 step), c (3 steps)])", run, tasks), log)
    want = ["a0", "b0", "c0", "a1", "c1", "a2", "c2"]
    if log.steps != want:
        raise CheckFailure(
            "tasks that yield None did not take turns in order: each yield sends a task to the "
            "back of the line (a collections.deque: popleft() the next task, append() it again "
            f"after its step). They ran as {_shown(log.steps)}, not {_shown(want)}"
        )
    if got != ["A", "B", "C"]:
        raise CheckFailure(
            "run returned the wrong values: return the tasks' return values "
            "(StopIteration.value) in the order the tasks were given (it returned "
            f"{short_repr(got)}, not ['A', 'B', 'C'])"
        )


# --- spawn ------------------------------------------------------------------------------


def _spawner(log: _Log, child: Task) -> Task:
    log.step("main0")
    yield "spawn", child
    log.step("main1")
    yield
    log.step("main2")
    return "main"


@CHECKS.check("spawn")
def _spawn(run: Run) -> None:
    log = _Log()
    child = _counter(log, "child", 5)
    got = _finish(Call("run([main]), main spawning child", run, [_spawner(log, child)]), log)
    want = ["main0", "main1", "child0", "main2"]
    if log.steps[: len(want)] != want:
        raise CheckFailure(
            "a spawned task ran before its spawner went on: after `yield 'spawn', task` the "
            "spawner goes on at once, and the new task waits at the back of the line (a task "
            f"that spawned another, then yielded None, ran as {_shown(log.steps)}, not "
            f"{_shown(want)})"
        )
    if log.steps != want or "child" not in log.closed:
        raise CheckFailure(
            "a spawned task outlived the given tasks: once every given task "
            "has ended, close() each spawned task still unfinished and return (when main "
            f"ended, its spawned task had run {_shown(log.steps)} and was "
            f"{'closed' if 'child' in log.closed else 'not closed'})"
        )
    if got != ["main"]:
        raise CheckFailure(
            f"run([main]) returned the wrong value: it returned {short_repr(got)}, not ['main']"
        )
    # Spawned tasks run for as long as a given task does.
    log = _Log()
    _finish(
        Call("run([main]), main sleeping", run, [_sleepy_spawner(log, _counter(log, "child", 3))]),
        log,
    )
    if [s for s in log.steps if s.startswith("child")] != ["child0", "child1", "child2"]:
        raise CheckFailure(
            "a spawned task stopped while its spawner slept: a spawned task is a task like "
            "any other, and runs while the given tasks are alive (while main slept 0.1 s, its "
            f"spawned task ran only {_shown(log.steps)})"
        )


def _sleepy_spawner(log: _Log, child: Task) -> Task:
    yield "spawn", child
    yield "sleep", 0.1
    log.step("main-woke")


# --- sleep ------------------------------------------------------------------------------


def _sleeper(log: _Log, name: str, seconds: float, woke: dict[str, float]) -> Task:
    log.step(f"{name}-sleeps")
    deadline = time.monotonic() + seconds
    yield "sleep", seconds
    woke[name] = time.monotonic() - deadline
    log.step(f"{name}-woke")


def _busy_until(log: _Log, done: Callable[[], bool], name: str = "busy") -> Task:
    """Yield None until ``done()``, or until STARVE_LIMIT has passed."""
    give_up = time.monotonic() + STARVE_LIMIT
    n = 0
    while not done() and time.monotonic() < give_up:
        if n < 3:
            log.step(f"{name}{n}")
        n += 1
        yield
    log.step(f"{name}-ends" if done() else f"{name}-gave-up")


@CHECKS.check("sleep")
def _sleep(run: Run) -> None:
    log, woke = _Log(), {}
    tasks = [
        _sleeper(log, "long", 0.2, woke),
        _sleeper(log, "short", 0.05, woke),
        _busy_until(log, lambda: len(woke) == 2),
    ]
    _finish(Call("run([sleep 0.2 s, sleep 0.05 s, one yielding None])", run, tasks), log)
    if log.index("short-woke") < 0 or log.index("long-woke") < 0:
        raise CheckFailure(
            "a sleeping task never woke: keep sleepers with their deadlines and resume each "
            f"once its deadline has passed (steps: {_shown(log.steps)})"
        )
    if log.index("short-woke") > log.index("long-woke"):
        raise CheckFailure(
            "a task that slept 0.2 s woke before one that went to sleep after it for 0.05 s: "
            "sleepers wake in the order of their deadlines (heapq of (deadline, n, task)); "
            "a time.sleep() in the scheduler would hold up every task"
        )
    early = {name: late for name, late in woke.items() if late < -0.001}
    if early:
        name, late = next(iter(early.items()))
        raise CheckFailure(
            f"the {name} sleeper woke {-late * 1000:.0f} ms before its deadline: resume a "
            "sleeper only once time.monotonic() has reached its deadline"
        )
    asleep = range(log.index("short-sleeps"), log.index("short-woke"))
    if not any(log.index(f"busy{n}") in asleep for n in range(3)):
        raise CheckFailure(
            "while two tasks slept, the third did not run: a sleeping task leaves the line, "
            f"and the others go on meanwhile (steps: {_shown(log.steps)})"
        )


# --- readable and writable --------------------------------------------------------------


def _reader(log: _Log, sock: socket.socket, got: list[bytes]) -> Task:
    log.step("reader-waits")
    yield "readable", sock
    try:
        got.append(sock.recv(100))
    except BlockingIOError:
        got.append(b"")
    log.step("reader-woke")


def _sender(log: _Log, peer: socket.socket, steps: int = 3) -> Task:
    for n in range(steps):
        log.step(f"sender{n}")
        yield
    peer.send(b"ping")
    log.step("sent")


@CHECKS.check("readable")
def _readable(run: Run) -> None:
    log, got = _Log(), []
    with _pair() as (ours, peer):
        tasks = [_reader(log, ours, got), _sender(log, peer)]
        _finish(Call("run([a task waiting to read, one that sends later])", run, tasks), log)
    if got == [b""] or log.index("reader-woke") < log.index("sent"):
        raise CheckFailure(
            "a task that yielded ('readable', sock) was resumed before data arrived: register "
            "the socket with a selector (EVENT_READ) and resume the task only once select() "
            f"reports it (steps: {_shown(log.steps)})"
        )
    if got != [b"ping"]:
        raise CheckFailure(f"the reading task received {short_repr(got)}, not [b'ping']")
    if log.index("sender0") > log.index("sent") or log.index("sender1") < 0:
        raise CheckFailure(
            "while one task waited to read, the other did not run: a waiting task leaves the "
            f"line, and the others go on meanwhile (steps: {_shown(log.steps)})"
        )
    _readable_in_any_order(run)


def _readable_in_any_order(run: Run) -> None:
    """Two readers on two sockets; data arrives for the second first."""
    log, first, second = _Log(), [], []
    with _pair() as (one, one_peer), _pair() as (two, two_peer):

        def sender() -> Task:
            yield
            two_peer.send(b"2")
            log.step("sent-2")
            yield "sleep", 0.05
            one_peer.send(b"1")
            log.step("sent-1")

        tasks = [_reader(log, one, first), _second_reader(log, two, second), sender()]
        _finish(Call("run([reader 1, reader 2, a sender])", run, tasks), log)
    if log.index("second-woke") < 0 or log.index("second-woke") > log.index("sent-1"):
        raise CheckFailure(
            "of two tasks waiting to read, the second did not wake until the first had data: "
            "wait for all of them at once in one selector, and resume whichever is ready (data "
            f"came for the second first; steps: {_shown(log.steps)})"
        )


def _second_reader(log: _Log, sock: socket.socket, got: list[bytes]) -> Task:
    yield "readable", sock
    got.append(sock.recv(100))
    log.step("second-woke")


def _fill(sock: socket.socket) -> int:
    """Send until the socket's buffers are full; return how many bytes went."""
    sent = 0
    with contextlib.suppress(BlockingIOError):
        while True:
            sent += sock.send(b"x" * 65536)
    return sent


@CHECKS.check("writable")
def _writable(run: Run) -> None:
    log, ready_when_woken = _Log(), []
    with _pair() as (ours, peer):
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        filled = _fill(ours)

        def writer() -> Task:
            log.step("writer-waits")
            yield "writable", ours
            try:
                ours.send(b"y")
                ready_when_woken.append(True)
            except BlockingIOError:
                ready_when_woken.append(False)
            log.step("writer-woke")

        def drainer() -> Task:
            for n in range(3):
                log.step(f"drainer{n}")
                yield
            log.step("draining")
            left = filled
            while left > 0:
                try:
                    left -= len(peer.recv(65536))
                except BlockingIOError:
                    yield "sleep", 0.001
            log.step("drained")

        tasks = [writer(), drainer()]
        _finish(Call("run([a task waiting to send, one that reads later])", run, tasks), log)
    if ready_when_woken != [True] or log.index("writer-woke") < log.index("draining"):
        raise CheckFailure(
            "a task that yielded ('writable', sock) was resumed before the socket had room: "
            "register it with EVENT_WRITE and resume it only once select() reports it (its "
            "send buffer was full, and the peer had not read anything yet; steps: "
            f"{_shown(log.steps)})"
        )


# --- fairness ---------------------------------------------------------------------------


@CHECKS.check("no-starvation")
def _no_starvation(run: Run) -> None:
    log, woke, got = _Log(), {}, []
    with _pair() as (ours, peer):
        peer.send(b"ready")
        tasks = [
            _busy_until(log, lambda: len(woke) == 1 and len(got) == 1),
            _sleeper(log, "sleeper", 0.01, woke),
            _reader(log, ours, got),
        ]
        _finish(
            Call("run([a task yielding None, a sleeper, a reader])", run, tasks),
            log,
            STARVE_LIMIT + RUN_DEADLINE,
        )
    if "busy-gave-up" in log.steps:
        raise CheckFailure(
            "a task that kept yielding None starved a due sleeper or a ready reader: look for "
            "due sleepers and ready sockets (select with timeout 0) every time round the line, "
            f"not only when no task is ready (for {STARVE_LIMIT:g} s, a sleeper whose deadline "
            "had passed and a reader whose socket had data were not both resumed)"
        )


# --- errors -----------------------------------------------------------------------------


def _failing(log: _Log, error: Exception) -> Task:
    for n in range(2):
        log.step(f"fails{n}")
        yield
    raise error


def _waits(log: _Log, name: str, trap: Any, released: threading.Event) -> Task:
    """Yield ``trap`` until the check is over; log whether the task was closed."""
    try:
        while not released.is_set():
            yield trap
    finally:
        if not released.is_set():
            log.closed.append(name)


@CHECKS.check("errors")
def _errors(run: Run) -> None:
    log, released = _Log(), threading.Event()
    error = ValueError("a task fails on purpose")
    with _pair() as (ours, _peer):

        def spawns() -> Task:
            yield "spawn", _waits(log, "spawned", None, released)
            yield from _waits(log, "spawner", None, released)

        tasks = [
            spawns(),
            _waits(log, "yielder", None, released),
            _failing(log, error),
            _waits(log, "sleeper", ("sleep", 30), released),
            _waits(log, "reader", ("readable", ours), released),
        ]
        call = Call("run([...]) with a task that raises", run, tasks)
        try:
            raised = call.error(
                RUN_DEADLINE,
                f"did not return within {RUN_DEADLINE:g} s: a task raised, and an exception "
                "in a task ends the run at once, whatever the other tasks wait for",
            )
            left = sorted({"yielder", "sleeper", "reader", "spawner", "spawned"} - set(log.closed))
        finally:
            released.set()  # tasks a wrong run left going end by themselves
    if raised is None:
        raise CheckFailure(
            "run returned although a task raised ValueError: an exception that escapes a task "
            "ends the run; close the other tasks and raise it"
        )
    if raised is not error:
        raise CheckFailure(
            f"run raised {type(raised).__name__}, not the task's ValueError: raise the task's "
            f"own exception, unchanged (it raised {type(raised).__name__}: {raised})"
        )
    if left:
        raise CheckFailure(
            f"when a task raised, {', '.join(left)} were not closed: close() every other "
            "task (sleeping, waiting and spawned ones too) before raising, so that their "
            "finally blocks run"
        )


# --- no-busy-wait -----------------------------------------------------------------------


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    """Send from a timer thread; the check may have closed the socket already."""
    with contextlib.suppress(OSError):
        sock.send(data)


@CHECKS.check("no-busy-wait")
def _no_busy_wait(run: Run) -> None:
    log, got = _Log(), []
    with _pair() as (ours, peer):
        timer = threading.Timer(IDLE_WINDOW, _send_quietly, (peer, b"late"))
        tasks = [
            _sleeper(log, "sleeper", IDLE_WINDOW, {}),
            _reader(log, ours, got),
        ]
        call = Call("run([a sleeper, a reader]) with nothing ready", run, tasks)
        timer.start()
        try:
            _finish(call, log)
        finally:
            timer.cancel()
    if got != [b"late"]:
        raise SkipCheck("the reader was not woken by its data: see readable")
    limit = max(BUSY_FLOOR, BUSY_SHARE * call.wall_seconds)
    if call.cpu_seconds > limit:
        raise CheckFailure(
            f"run used {call.cpu_seconds * 1000:.0f} ms of CPU in {call.wall_seconds:.2f} s while "
            "every task slept or waited: when no task is ready, wait in select() with the time "
            "to the next deadline as its timeout (None when no task sleeps)"
        )


def check_scheduler(run: Run, only: Iterable[str] | None = None) -> Report:
    """Run the scheduler checks (or those named in ``only``) on a student's ``run(tasks)``."""
    with capture():  # what abandoned threads report after their check has ended
        return CHECKS.run("run", run, only, wrap=guarded)


__all__ = ["CHECKS", "check_scheduler"]
