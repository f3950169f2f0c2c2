"""Keeping student code's side effects inside a check.

nbgrader scores a test cell 0 as soon as anything reaches stderr, and a
thread left running delays the kernel's shutdown. So while a checker runs
student code it captures exceptions raised in threads, unraisable errors,
warnings, log records and stderr output, and turns them into messages
(what the code prints on stdout is dropped: it could show a hidden test's
inputs in the feedback); it
runs the code in daemon threads (threads they start are daemons too unless
asked otherwise) and tracks every thread the code leaves behind.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The package's own files: a line of the checker is never where a student's error is.
_PACKAGE = Path(__file__).resolve().parents[2]


@dataclass
class Captured:
    """What student code tried to report on stderr while a check ran, one line each."""

    thread_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # A kernel ignores ResourceWarnings, so they cost no point; the leak checks read them.
    resource_warnings: list[str] = field(default_factory=list)
    log_records: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [
            *(f"an exception in a thread: {e}" for e in self.thread_errors),
            *(f"a warning: {w}" for w in self.warnings),
            *(f"a log record: {r}" for r in self.log_records),
            *(f"printed to stderr: {s}" for s in self.stderr),
        ]


class _LineSink(io.TextIOBase):
    """A thread-safe stand-in for sys.stderr that keeps what is written, line by line."""

    def __init__(self, into: list[str]) -> None:
        self._into = into
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._into.extend(line for line in text.splitlines() if line.strip())
        return len(text)


class _Silent(io.TextIOBase):
    """A stand-in for sys.stdout that drops what student code prints while it is checked."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def silenced() -> contextlib.AbstractContextManager:
    """Drop what is printed on stdout, from every thread, while the block runs."""
    return contextlib.redirect_stdout(_Silent())


class _RecordKeeper(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self._into = into

    def emit(self, record: logging.LogRecord) -> None:
        self._into.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def _one_line(exc_type: type[BaseException] | None, exc: BaseException | None) -> str:
    name = exc_type.__name__ if exc_type else "Exception"
    return f"{name}: {exc}" if str(exc or "") else name


@contextlib.contextmanager
def capture() -> Iterator[Captured]:
    """Capture, from every thread, what would otherwise reach stderr (and drop stdout)."""
    captured = Captured()

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        where = args.thread.name if args.thread else "a thread"
        captured.thread_errors.append(f"{where}: {_one_line(args.exc_type, args.exc_value)}")

    def unraisable_hook(args: Any) -> None:
        captured.thread_errors.append(
            f"{args.err_msg or 'unraisable'}: {_one_line(args.exc_type, args.exc_value)}"
        )

    def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
        into = (
            captured.resource_warnings
            if issubclass(category, ResourceWarning)
            else captured.warnings
        )
        into.append(f"{category.__name__}: {message}")

    keeper = _RecordKeeper(captured.log_records)
    root = logging.getLogger()
    saved = (threading.excepthook, sys.unraisablehook, sys.stderr)
    with warnings.catch_warnings(), silenced():
        # What a kernel shows, as Python's default filters do: a DeprecationWarning only
        # when code in __main__ (the notebook's) raised it, so one from a library costs no
        # point (multiprocessing's fork warning on 3.12+, say); ResourceWarnings are shown
        # here only for the leak checks, which read them apart.
        warnings.simplefilter("default")
        for quiet in (DeprecationWarning, PendingDeprecationWarning, ImportWarning):
            warnings.filterwarnings("ignore", category=quiet)
        warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
        warnings.showwarning = show_warning
        threading.excepthook = thread_hook
        sys.unraisablehook = unraisable_hook
        sys.stderr = _LineSink(captured.stderr)
        root.addHandler(keeper)
        try:
            yield captured
        finally:
            root.removeHandler(keeper)
            threading.excepthook, sys.unraisablehook, sys.stderr = saved


def live_threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def threads_started_since(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads alive now that were not alive in the ``before`` snapshot."""
    return sorted(
        (t for t in threading.enumerate() if t not in before and t.is_alive()),
        key=lambda t: t.name,
    )


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def wait_for_threads(threads: list[threading.Thread], timeout: float) -> list[threading.Thread]:
    """Join the threads within one shared deadline; return those still alive."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in threads if t.is_alive()]


class Background:
    """Call a function in a daemon thread and keep its result or exception.

    Threads the function starts are daemons too unless it says otherwise, so
    a function that never returns cannot keep the kernel alive.
    """

    def __init__(
        self, function: Callable[..., Any], *args: Any, name: str = "student", **kwargs: Any
    ):
        self.result: Any = None
        self.error: BaseException | None = None
        self._done = threading.Event()

        def run() -> None:
            try:
                self.result = function(*args, **kwargs)
            except BaseException as exc:  # reported to the check, never to stderr
                self.error = exc
            finally:
                self._done.set()

        self.thread = threading.Thread(target=run, name=name, daemon=True)
        self.thread.start()

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True when the call has finished."""
        return self._done.wait(timeout)

    def describe_error(self) -> str:
        """The call's exception as one line, with the line of student code that raised it
        (none when it came from the checker's own code, or from code in C)."""
        if self.error is None:
            return ""
        return f"{_one_line(type(self.error), self.error)}{where_raised(self.error)}"


def where_raised(error: BaseException) -> str:
    """`` (line N: source)`` of the innermost frame outside this package, or nothing."""
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if not Path(f.filename).resolve().is_relative_to(_PACKAGE)
    ]
    if not frames:
        return ""
    line = frames[-1].line
    return f" (line {frames[-1].lineno}: {line})" if line else f" (line {frames[-1].lineno})"
