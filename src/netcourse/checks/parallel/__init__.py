"""Checks for a parallel map over worker processes (notebook 04).

The student's function::

    parallel_map(fn, items, processes, context) -> list

returns ``[fn(item) for item in items]`` in the order of ``items``, computed
by at most ``processes`` worker processes that run at the same time, started
from ``context`` (a ``multiprocessing`` context such as
``multiprocessing.get_context("spawn")``). It re-raises an exception ``fn``
raised, and leaves no process running when it returns or raises.

The functions the checker maps live in :mod:`.tasks`, a module a worker can
import under every start method. Parallelism is proved by a meeting, never
by timing: each task connects to a socket the checker listens on and waits
there, and the checker lets the tasks go only once ``processes`` of them,
from distinct processes, are waiting at the same time (a pool that runs one
task at a time never gets there; after :data:`PATIENCE` seconds the checker
gives up and lets them go). While they wait, the checker counts the worker
processes alive, and it lets them go in the reverse of their order to see
that results come back in the order of ``items`` all the same.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.pool
import multiprocessing.util
import os
import secrets
import selectors
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import psutil

from ...processes import kill_tree
from ..harness.calls import GATE, Call, guarded
from ..harness.capture import wait_until, where_raised
from ..harness.core import CheckFailure, Checklist, Report, SkipCheck
from ..harness.server import multiprocessing_helpers
from . import tasks

# How long the meeting waits for enough tasks to arrive, from the first arrival.
PATIENCE = GATE
# Worker processes on a busy machine may take seconds to start (spawn imports a
# fresh interpreter); a call that has not returned after this long has hung.
DEADLINE = PATIENCE + 15.0
# After a task has been let go, the next waits this long, so that the results
# travel back to the caller in the order the tasks were let go.
SETTLE = 0.1
# After parallel_map returns, its worker processes get this long to end.
LEAK_GRACE = 2.0
TICK = 0.02
UNCLOSED_POOL = "unclosed running multiprocessing pool"

ParallelMap = Callable[..., Any]


def safe_method() -> str:
    """The start method the checks use: forkserver where it exists, else spawn (never fork
    from a process that runs threads, as a notebook's kernel does)."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


@dataclass(frozen=True)
class MapUnderTest:
    """The student's parallel_map, the number of processes it is given and the start method."""

    function: ParallelMap
    processes: int = 2
    method: str = field(default_factory=safe_method)
    hung: list[str] = field(default_factory=list, compare=False)
    alone: list[str] = field(default_factory=list, compare=False)


CHECKS: Checklist[MapUnderTest] = Checklist("parallel_map")


# --- the processes a call starts -------------------------------------------------------


class Children:
    """The child processes (and their children) started since this was made."""

    def __init__(self) -> None:
        self._me = psutil.Process()
        self._before = {p.pid for p in self._me.children(recursive=True)}
        self._finalizers = set(_finalizers())

    def alive(self) -> list[psutil.Process]:
        helpers = multiprocessing_helpers()
        try:
            found = self._me.children(recursive=True)
        except psutil.Error:
            return []
        return [p for p in found if p.pid not in self._before | helpers and _running(p)]

    def end(self) -> None:
        """Terminate the pools left open, give their workers time to end, kill the rest.

        A ``multiprocessing.Pool``'s idle worker holds the pool's queue lock while it
        waits for a task, so killing one wedges the pool's own clean-up for good (at
        the latest when the interpreter exits): open pools are terminated first, as
        ``pool.terminate()`` would, through the finalizer each registers.
        """
        pools = [
            finalizer
            for key, finalizer in _finalizers().items()
            if key not in self._finalizers
            and getattr(finalizer._callback, "__func__", None) is _TERMINATE_POOL
        ]
        if pools:
            Call("pool.terminate()", lambda: [finalize() for finalize in pools]).wait(PATIENCE)
        if not wait_until(lambda: not self.alive(), LEAK_GRACE):
            for child in self.alive():
                kill_tree(child.pid, timeout=1.0)


_TERMINATE_POOL = multiprocessing.pool.Pool._terminate_pool.__func__


def _finalizers() -> dict[Any, Any]:
    """multiprocessing's registry of finalizers: each open Pool has one that terminates it."""
    return dict(getattr(multiprocessing.util, "_finalizer_registry", {}))


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


# --- the meeting ---------------------------------------------------------------------


class Meeting:
    """A socket where tasks report and wait until the checker lets them go.

    Once ``quorum`` tasks from distinct processes wait at once, ``on_quorum``
    runs and they are let go (in the reverse of their index with ``reverse``,
    each after the one before has finished); so is every task after that, at
    once. Without a quorum within :data:`PATIENCE` seconds of the first
    arrival the meeting gives up and lets everyone go.
    """

    def __init__(
        self,
        quorum: int,
        *,
        reverse: bool = False,
        on_quorum: Callable[[], None] = lambda: None,
    ) -> None:
        self.quorum, self.reverse, self.on_quorum = quorum, reverse, on_quorum
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.address: tuple[str, int] = self.listener.getsockname()[:2]
        self.waiting: list[tuple[int, int, socket.socket]] = []
        self.peak = 0  # most tasks waiting at once
        self.peak_processes = 0  # most distinct processes among them
        self.pids: set[int] = set()
        self.met = False
        self.gave_up = False
        self._first_arrival: float | None = None
        self._closed = threading.Event()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._serve, name="check: meeting", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        # Sockets closed under it by close() (after its join timed out) end the loop quietly.
        with contextlib.suppress(OSError, ValueError, KeyError):
            while not self._closed.is_set():
                for key, _ in self._selector.select(TICK):
                    if key.fileobj is self.listener:
                        self._accept()
                    else:
                        self._arrive(key.fileobj)
                self._decide()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self.listener.accept()
            conn.settimeout(2.0)
            self._selector.register(conn, selectors.EVENT_READ)

    def _arrive(self, conn: Any) -> None:
        self._selector.unregister(conn)
        try:
            index, pid = (int(word) for word in conn.recv(64).split())
        except (OSError, ValueError):
            conn.close()
            return
        self.pids.add(pid)
        if pid == os.getpid():
            self.gave_up = True  # a task in the checker's own process: no quorum of processes
        self.waiting.append((index, pid, conn))
        if self._first_arrival is None:
            self._first_arrival = time.monotonic()
        self.peak = max(self.peak, len(self.waiting))
        self.peak_processes = max(self.peak_processes, len({p for _, p, _ in self.waiting}))

    def _decide(self) -> None:
        if not self.waiting:
            return
        if self.met or self.gave_up:
            self._let_go()
        elif self.peak_processes >= self.quorum:
            self.met = True
            self.on_quorum()
            self._let_go()
        elif time.monotonic() - (self._first_arrival or 0) > PATIENCE:
            self.gave_up = True
            self._let_go()

    def _let_go(self) -> None:
        waiting = sorted(self.waiting, reverse=self.reverse)
        self.waiting = []
        for _, _, conn in waiting:
            with contextlib.suppress(OSError):
                conn.sendall(b"go")
                if self.reverse:
                    conn.recv(16)  # b"" once the task has finished and closed its end
                    time.sleep(SETTLE)
            conn.close()

    def close(self) -> None:
        self._closed.set()
        self._thread.join(2.0)
        for _, _, conn in self.waiting:
            conn.close()
        for key in list(self._selector.get_map().values()):
            with contextlib.suppress(OSError):
                key.fileobj.close()
        self._selector.close()


# --- calling the student's function ----------------------------------------------------


def _map(
    subject: MapUnderTest, fn: Callable, items: Iterable, shown: str, method: str = ""
) -> Call:
    """Start ``parallel_map(fn, items, processes, get_context(method))`` in a thread of its own."""
    method = method or subject.method
    name = getattr(fn, "func", fn).__name__
    label = f"parallel_map({name}, {shown}, {subject.processes}, get_context({method!r}))"
    context = multiprocessing.get_context(method)
    return Call(label, subject.function, fn, items, subject.processes, context)


def _finished(subject: MapUnderTest, call: Call, check_id: str) -> None:
    """Wait for the call; one that hangs fails this check and skips the later ones."""
    if not call.wait(DEADLINE):
        subject.hung.append(check_id)
        raise CheckFailure(
            f"parallel_map did not return within {DEADLINE:g} s: does it wait for a process "
            f"that never ends, or for a result that never comes? (called as {call.label})"
        )


def _outcome(subject: MapUnderTest, call: Call, check_id: str) -> BaseException | None:
    """The exception the call raised, or None when it returned."""
    _finished(subject, call, check_id)
    return call.error(0, "")


def _result(subject: MapUnderTest, call: Call, check_id: str) -> Any:
    """What the call returned; an exception it raised fails the check."""
    error = _outcome(subject, call, check_id)
    if error is None:
        return call.result
    # Not call.value(0): its message leads with the whole call, too long a lead.
    raised = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    where = where_raised(error)
    raise CheckFailure(f"parallel_map raised {raised}{where} (called as {call.label})")


def checked(check: Callable[[MapUnderTest], None]) -> Callable[[MapUnderTest], None]:
    """A check that skips after a hang and kills what it leaves."""

    def run(subject: MapUnderTest) -> None:
        if subject.hung:
            raise SkipCheck(f"parallel_map hung in an earlier check: see {subject.hung[0]}")
        children = Children()
        try:
            check(subject)
        finally:
            children.end()

    run.__name__ = check.__name__
    return run


def _needs_parallel(subject: MapUnderTest) -> None:
    if subject.alone:
        raise SkipCheck(f"the tasks never ran at the same time: see {subject.alone[0]}")


def _needs_meeting(meeting: Meeting) -> None:
    """Skip a check whose tasks never met: processes' fault if they all ran in this process."""
    if meeting.pids == {os.getpid()}:
        raise SkipCheck("the tasks ran in this process: see processes")
    if not meeting.met:
        raise SkipCheck("the tasks never ran at the same time: see parallel")


# --- the checks ----------------------------------------------------------------------


@CHECKS.check("results")
@checked
def _results(subject: MapUnderTest) -> None:
    cases = [
        (list(range(12)), "list(range(12))", [x * x for x in range(12)], "a list of items"),
        ([], "[]", [], "no items at all"),
        ((x for x in range(5)), "(x for x in range(5))", [0, 1, 4, 9, 16], "a generator"),
    ]
    for items, shown, expected, why in cases:
        call = _map(subject, tasks.square, items, shown)
        got = _result(subject, call, "results")
        # The order is the order check's business: here, the right values, each once.
        if type(got) is not list or sorted(got) != expected:
            raise CheckFailure(
                f"wrong results for {why}: {call.label} returned {got!r}, not {expected!r}"
            )


@CHECKS.check("exception")
@checked
def _exception(subject: MapUnderTest) -> None:
    call = _map(subject, partial(tasks.fail_on, frozenset({3})), list(range(6)), "list(range(6))")
    error = _outcome(subject, call, "exception")
    if type(error) is ValueError and str(error) == "item 3":
        return
    if error is None:
        raise CheckFailure(
            f"an exception was swallowed: fn raised ValueError('item 3') for item 3, and "
            f"{call.label} returned {call.result!r} instead of raising it"
        )
    raise CheckFailure(
        f"fn's exception was not re-raised as it was: fn raised ValueError('item 3') for "
        f"item 3, and {call.label} raised {type(error).__name__}: {error}"
    )


@CHECKS.check("processes")
@checked
def _processes(subject: MapUnderTest) -> None:
    count = 2 * subject.processes
    call = _map(subject, tasks.identify, list(range(count)), f"list(range({count}))")
    got = _result(subject, call, "processes")
    pids = {pid for _, pid, _ in got}
    if os.getpid() in pids:
        raise CheckFailure(
            "the tasks ran in this process, not in worker processes: threads share this "
            "process (and its GIL); start worker processes from context, e.g. "
            "ProcessPoolExecutor(max_workers=processes, mp_context=context)"
        )


@CHECKS.check("parallel")
@checked
def _parallel(subject: MapUnderTest) -> None:
    p = subject.processes
    meeting = Meeting(p)
    try:
        fn = partial(tasks.meet, meeting.address)
        call = _map(subject, fn, list(range(p)), f"list(range({p}))")
        _result(subject, call, "parallel")
    finally:
        meeting.close()
    if meeting.pids == {os.getpid()}:
        raise SkipCheck("the tasks ran in this process: see processes")
    if not meeting.met:
        subject.alone.append("parallel")
        raise CheckFailure(
            f"the tasks ran one at a time: at most {meeting.peak_processes} of {p} tasks were "
            f"running at once, in distinct processes, for {PATIENCE:g} s; hand every task to "
            "the pool before you wait for any result (pool.map does)"
        )


@CHECKS.check("order")
@checked
def _order(subject: MapUnderTest) -> None:
    _needs_parallel(subject)
    p = subject.processes
    meeting = Meeting(p, reverse=True)
    try:
        fn = partial(tasks.meet, meeting.address)
        call = _map(subject, fn, list(range(p)), f"list(range({p}))")
        got = _result(subject, call, "order")
    finally:
        meeting.close()
    _needs_meeting(meeting)
    if got != list(range(p)):
        raise CheckFailure(
            "results out of order: the tasks finished last to first, and the results must "
            "still follow the order of items (pool.map and executor.map keep it, "
            f"imap_unordered and as_completed do not); {call.label} returned {got!r}, not "
            f"{list(range(p))!r}"
        )


@CHECKS.check("bounded")
@checked
def _bounded(subject: MapUnderTest) -> None:
    _needs_parallel(subject)
    p, count = subject.processes, 2 * subject.processes + 1
    children = Children()
    seen: list[int] = []
    meeting = Meeting(p, on_quorum=lambda: seen.append(len(children.alive())))
    try:
        fn = partial(tasks.meet, meeting.address)
        call = _map(subject, fn, list(range(count)), f"list(range({count}))")
        _result(subject, call, "bounded")
    finally:
        meeting.close()
    _needs_meeting(meeting)
    most = max(meeting.peak, *seen)
    if most > p:
        raise CheckFailure(
            f"{most} worker processes at once, more than processes={p}: start {p} workers "
            f"and give them the {count} tasks in turn (a pool of max_workers=processes does)"
        )


@CHECKS.check("context")
@checked
def _context(subject: MapUnderTest) -> None:
    methods = multiprocessing.get_all_start_methods()
    default = multiprocessing.get_context().get_start_method()
    if default == "fork":
        method = "forkserver" if "forkserver" in methods else "spawn"
    elif "fork" in methods:
        method = "fork"
    else:
        raise SkipCheck(f"{default} is the only start method here")
    tasks.PLANTED = token = secrets.token_hex(8)
    try:
        call = _map(subject, tasks.identify, [0, 1], "[0, 1]", method)
        got = _result(subject, call, "context")
    finally:
        tasks.PLANTED = ""
    if os.getpid() in {pid for _, pid, _ in got}:
        raise SkipCheck("the tasks ran in this process: see processes")
    forked = [seen == token for _, _, seen in got]
    if any(was != (method == "fork") for was in forked):
        how = "were forked" if any(forked) else "were not forked"
        raise CheckFailure(
            f"the processes were not started from context: its start method is {method!r}, "
            f"but the workers {how} (this Python's default is {default!r}); start them from "
            "it: ProcessPoolExecutor(max_workers=processes, mp_context=context) or "
            "context.Pool(processes)"
        )


@CHECKS.check("no-leak")
@checked
def _no_leak(subject: MapUnderTest) -> None:
    children = Children()
    cases = ((tasks.square, [0, 1, 2, 3]), (partial(tasks.fail_on, frozenset({1})), [0, 1]))
    for fn, items in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            call = _map(subject, fn, items, repr(items))
            error = _outcome(subject, call, "no-leak")
            gc.collect()
        ended = "returned" if error is None else "raised"
        if any(UNCLOSED_POOL in str(w.message) for w in caught):
            raise CheckFailure(
                f"a pool was left open after parallel_map {ended}: close it before you return, "
                "even when fn raised (a `with` block does it); an open pool's processes live "
                f"on until the garbage collector happens to end them (after {call.label})"
            )
        if not wait_until(lambda: not children.alive(), LEAK_GRACE):
            raise CheckFailure(
                f"worker processes were still running after parallel_map {ended}: shut the "
                "pool down before you return, even when fn raised (a `with` block does it); "
                f"{len(children.alive())} still running after {call.label} {ended}"
            )


def check_parallel_map(
    function: ParallelMap,
    only: Iterable[str] | None = None,
    *,
    processes: int = 2,
    method: str | None = None,
) -> Report:
    """Run the parallel-map checks (or those in ``only``) on ``function``.

    ``processes`` is the bound it is given; ``method`` the start method of the
    context it is given (forkserver where it exists, else spawn, by default).
    """
    if processes < 2:
        raise ValueError("check a parallel map with processes=2 or more")
    methods = multiprocessing.get_all_start_methods()
    if method is not None and method not in methods:
        raise ValueError(f"no start method {method!r} here; choose one of {', '.join(methods)}")
    subject = MapUnderTest(function, processes, method or safe_method())
    name = getattr(function, "__name__", "parallel_map")
    return CHECKS.run(f"{name} ({processes} processes)", subject, only, wrap=guarded)


__all__ = ["CHECKS", "Meeting", "check_parallel_map", "multiprocessing_helpers", "safe_method"]
