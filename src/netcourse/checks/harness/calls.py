"""Calls into student code that cannot hang a check, and proofs that a call blocks.

Every call a concurrency checker makes into student code runs in a daemon
thread of its own (a :class:`Call`) and is read with a deadline, so a call
that hangs fails one check with a message instead of hanging the cell.

A call *blocks* when it has provably started (an event set just before the
call) and has not returned :data:`BLOCKED_FOR` seconds later. On a loaded
machine that wait can only err one way: a correct blocking call never
returns, so it never fails; a wrong call that should have returned at once
could look blocked only if the operating system left its thread unscheduled
for the whole wait. Deadlines for calls that must return are generous
(:data:`PROMPT`, :data:`WAKE`) because load only ever makes a call slower.
"""

from __future__ import annotations

import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from .capture import Background, capture, silenced, threads_started_since
from .core import (
    CheckFailure,
    NotAttempted,
    OtherFault,
    call_student,
    describe_call,
    not_attempted,
    short_repr,
)

# A call that should return at once gets this long before it counts as hung.
PROMPT = 2.0
# A blocked call, once released, gets this long to return (a thousand times
# what it takes on a loaded machine, and short enough that a wrong answer
# that never wakes costs seconds, not minutes).
WAKE = 2.0
# Tasks held at a gate give up after this long, should a check not open it.
GATE = 10.0
# A call still running this long after it started counts as blocked.
BLOCKED_FOR = 0.25
# A call in a test cell (expect_returns, expect_raises) that has not returned by then has failed.
DEADLINE = 10.0

_harness: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def is_harness(thread: threading.Thread) -> bool:
    """True for a thread a checker started to make a call (not one the student's code started)."""
    return thread in _harness


def student_threads_since(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads alive now that were not in ``before``, leaving out those checkers started."""
    return [t for t in threads_started_since(before) if not is_harness(t)]


class Call:
    """``function(*args, **kwargs)`` running in a daemon thread; read its outcome with deadlines.

    ``cpu_seconds`` and ``wall_seconds`` are measured inside the calling
    thread around the call itself, once it has finished.
    """

    def __init__(self, label: str, function: Callable[..., Any], *args: Any, **kwargs: Any):
        self.label = label
        self.entered = threading.Event()
        self.cpu_seconds = 0.0
        self.wall_seconds = 0.0

        def measured() -> Any:
            self.entered.set()
            cpu, wall = time.thread_time(), time.monotonic()
            try:
                return function(*args, **kwargs)
            finally:
                self.cpu_seconds = time.thread_time() - cpu
                self.wall_seconds = time.monotonic() - wall

        self._background = Background(measured, name=f"check: {label}"[:60])
        _harness.add(self._background.thread)

    @property
    def finished(self) -> bool:
        return self._background.finished

    @property
    def result(self) -> Any:
        """What the call returned (None until it has returned)."""
        return self._background.result

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True when the call has finished."""
        return self._background.join(seconds)

    def error(self, seconds: float, hang: str) -> BaseException | None:
        """The exception the call raised, or None; CheckFailure(``hang``) if it is still running."""
        if not self.wait(seconds):
            raise CheckFailure(f"{self.label} {hang}")
        error = self._background.error
        if isinstance(error, NotImplementedError):
            raise not_attempted(self.label)
        return error

    def value(self, seconds: float = PROMPT, hang: str = "") -> Any:
        """The call's return value; any exception it raised becomes a CheckFailure."""
        error = self.error(seconds, hang or f"did not return within {seconds:g} s")
        if isinstance(error, CheckFailure):
            raise error
        if error is not None:
            raise CheckFailure(f"{self.label} raised {self._background.describe_error()}")
        return self._background.result

    def raised(self, kind: type[BaseException], seconds: float, hang: str, why: str) -> None:
        """Fail unless the call raised ``kind`` within ``seconds``; ``why`` says why it should."""
        error = self.error(seconds, hang)
        if isinstance(error, kind):
            return
        if isinstance(error, CheckFailure):
            raise error
        if error is None:
            raise CheckFailure(
                f"{self.label} returned {short_repr(self.result, 60)} instead of raising: {why}"
            )
        raise CheckFailure(
            f"{self.label} raised {self._background.describe_error()}, not "
            f"{exception_name(kind)}: {why}"
        )


class Steps:
    """``function``, counting the Python steps (calls and lines) it runs in the calling thread.

    The count proves polling without timing: a call blocked in a lock's
    ``acquire()`` runs no step however long it waits, while one that polls runs
    some at every turn the scheduler gives its thread, however loaded the machine.
    """

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.count = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        previous = sys.gettrace()
        sys.settrace(self._step)  # this thread's trace function only
        try:
            return self.function(*args, **kwargs)
        finally:
            sys.settrace(previous)

    def _step(self, frame: Any, event: str, arg: Any) -> Callable[..., Any]:
        self.count += 1
        return self._step


def exception_name(kind: type[BaseException]) -> str:
    """``queue.Empty``, ``netcourse.compat.ShutDown``: how the student would write the name."""
    module = kind.__module__.lstrip("_")
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def prompt(label: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``function`` and return its value; it must return within :data:`PROMPT` seconds."""
    return Call(label, function, *args, **kwargs).value(
        PROMPT, f"did not return within {PROMPT:g} s: it should return at once"
    )


def prompt_raises(
    label: str, kind: type[BaseException], why: str, function: Callable[..., Any], *args: Any
) -> None:
    """Call ``function``; it must raise ``kind`` within :data:`PROMPT` seconds."""
    Call(label, function, *args).raised(
        kind, PROMPT, f"did not return within {PROMPT:g} s; it should raise at once", why
    )


def returned_early(calls: Iterable[Call], seconds: float = BLOCKED_FOR) -> list[Call]:
    """Of calls that should block, those that finished within ``seconds`` of starting.

    Each call must first signal that it has started (within :data:`PROMPT`);
    then all of them share one wait, cut short as soon as one finishes.
    """
    calls = list(calls)
    for call in calls:
        if not call.entered.wait(PROMPT):
            raise CheckFailure(f"{call.label} had not started after {PROMPT:g} s")
    deadline = time.monotonic() + seconds
    while not any(c.finished for c in calls):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        calls[0].wait(min(left, 0.01))
    return [c for c in calls if c.finished]


def wait_all(calls: Iterable[Call], seconds: float) -> bool:
    """Wait for every call within one shared deadline; True when all have finished."""
    deadline = time.monotonic() + seconds
    return all(c.wait(max(0.0, deadline - time.monotonic())) for c in list(calls))


def expect_returns(
    function: Callable[..., Any],
    args: tuple,
    expected: Any,
    why: str,
    name: str | None = None,
    *,
    seconds: float = DEADLINE,
) -> None:
    """Fail unless ``function(*args) == expected`` within ``seconds``; the message gives
    ``why``, never ``expected``, so hidden tests can use it without revealing their values."""
    label = describe_call(name or getattr(function, "__name__", "your function"), args)
    with silenced():  # what it prints could show the (hidden) arguments in feedback
        try:
            call = Call(label, call_student, function, *args, name=name)
        except RuntimeError:  # no thread can start (the process is at a limit): call it here
            result = call_student(function, *args, name=name)
        else:
            result = call.value(seconds, f"did not return within {seconds:g} s")
    if type(result) is not type(expected) or result != expected:
        raise CheckFailure(f"{label} returned {short_repr(result)}, which is wrong: {why}")


def expect_raises(
    function: Callable[..., Any],
    args: tuple,
    exception: type[BaseException],
    why: str,
    name: str | None = None,
    *,
    seconds: float = DEADLINE,
) -> None:
    """Fail unless ``function(*args)`` raises ``exception`` within ``seconds``."""
    label = describe_call(name or getattr(function, "__name__", "your function"), args)
    with silenced():
        try:
            call = Call(label, function, *args)
        except RuntimeError:  # no thread can start (the process is at a limit): call it here
            error, result = _outcome(function, args, label)
        else:
            wait = f"did not return within {seconds:g} s; it should raise at once"
            error, result = call.error(seconds, wait), call.result
    if isinstance(error, exception):
        return
    if error is not None:
        raise CheckFailure(
            f"{label} raised {type(error).__name__}, not {exception.__name__}: {why}"
        ) from None
    raise CheckFailure(f"{label} returned {short_repr(result)} instead of raising: {why}")


def _outcome(function: Callable[..., Any], args: tuple, label: str) -> tuple[Exception | None, Any]:
    """The exception ``function(*args)`` raised (a stub is not attempted), or its result."""
    try:
        return None, function(*args)
    except NotImplementedError:
        raise not_attempted(label) from None
    except Exception as exc:
        return exc, None


def guarded(
    check_id: str, check: Callable[[], None], errors_belong_to: str = ""
) -> Callable[[], None]:
    """The check, with what student code sends towards stderr meanwhile turned into a failure.

    nbgrader scores a cell 0 when anything reaches stderr, so an exception
    that escapes a student's thread is a fault of its own; when the check
    failed too, the first such report is added to its message. A family whose
    check ``errors_belong_to`` is about those exceptions names it: another
    check that passed but saw one points there instead of failing.
    """

    def run() -> None:
        failure: CheckFailure | OtherFault | None = None
        with capture() as captured:
            try:
                check()
            except (CheckFailure, OtherFault) as exc:
                failure = exc
        problems = captured.problems()
        if isinstance(failure, NotAttempted):
            raise failure
        stub = next((p for p in captured.thread_errors if ": NotImplementedError" in p), None)
        if stub:
            raise NotAttempted(
                f"not attempted: a thread still runs the starter's `raise NotImplementedError()` "
                f"({stub}); replace it with your code and run that cell"
            )
        if isinstance(failure, OtherFault) and problems:
            raise OtherFault(failure.owners, f"{failure}; meanwhile {_stderr_note(problems)}")
        if failure is not None:
            if problems:
                raise CheckFailure(f"{failure}; meanwhile {_stderr_note(problems)}")
            raise failure
        if problems:
            message = (
                f"{_stderr_note(problems)}: nbgrader scores a cell 0 when anything reaches "
                "stderr, so catch exceptions in your threads and report them another way"
            )
            if captured.thread_errors and errors_belong_to and check_id != errors_belong_to:
                raise OtherFault(errors_belong_to, message)
            raise CheckFailure(message)

    return run


def _stderr_note(problems: list[str]) -> str:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"your code sent {problems[0]}{more}"
