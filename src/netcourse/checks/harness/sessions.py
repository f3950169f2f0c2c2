"""Putting one server function through a list of checks, one property per check.

The server runs under :class:`netcourse.checks.harness.server.Server`. Each check runs
against the current run of it; after a check fails, that run is stopped and
the next check gets a fresh one, so that one fault (a crash, a wedged
thread) does not fail every later check too. An exception that escapes the
server's threads, tasks or greenlets while a check runs fails that check, and
a socket left for the garbage collector to close (a ResourceWarning) fails
the ``leaks`` check. What the server prints is kept out of the notebook.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .capture import Captured, capture
from .core import CheckFailure, NotAttempted, OtherFault, Report, not_attempted, run_checks
from .server import Server

Probe = Callable[[Server], None]
StartServer = Callable[[Callable[[str], None]], Server]
LEAK_CHECK = "leaks"
RETIRE_GRACE = 0.3
SHOWN_ERRORS = 3

_RESET_ADVICE = (
    "a client may reset its connection at any time: catch ConnectionError (it covers "
    "ConnectionResetError and BrokenPipeError) around that client's recv() and sendall(), "
    "close its socket and keep serving the others"
)
_UNCLOSED_RESET_ADVICE = (
    "the checker resets a connection that the server has not closed shortly after the client "
    "shut down its sending side. Close each connection once recv() returns b'', and catch "
    "ConnectionError, since a client may reset its connection at any time"
)
_ERROR_ADVICE = {
    "ConnectionResetError": _RESET_ADVICE,
    "BrokenPipeError": _RESET_ADVICE,
    "ConnectionAbortedError": _RESET_ADVICE,
    "UnicodeDecodeError": "the server decoded the bytes as text, and arbitrary bytes are not "
    "valid UTF-8: echo the bytes exactly as recv() returned them",
    "BlockingIOError": "a non-blocking socket was not ready: call recv()/send() only when the "
    "selector reports the socket ready, and keep the bytes send() did not take for later",
}
_DEFAULT_ADVICE = "a server must handle each client's errors itself and keep going"


class _PrintedLines(io.TextIOBase):
    """Stands in for sys.stdout while checks run: counts lines, keeps the first one."""

    def __init__(self) -> None:
        self.count = 0
        self.first = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            for line in text.splitlines():
                if line.strip():
                    self.first = self.first or line.strip()
                    self.count += 1
        return len(text)


@dataclass
class _Mark:
    errors: int
    resource_warnings: int


class _Session:
    """The current run of the server, restarted after a failed check."""

    def __init__(
        self, start: StartServer, captured: Captured, check_ids: list[str], known: Iterable[str]
    ) -> None:
        self._start = start
        self._captured = captured
        self._known = frozenset(known)
        self._leak_check_pending = LEAK_CHECK in check_ids
        self._deferred_leaks: list[str] = []
        self._current: Server | None = None
        self._addresses: set[tuple[str, int]] = set()  # every run's listening address

    def server(self) -> Server:
        if self._current is None:
            self._current = self._start(self._captured.thread_errors.append)
            self._addresses.add(self._current.address)
        return self._current

    def retire(self) -> None:
        if self._current is not None:
            self._current.close(RETIRE_GRACE)
            self._current = None

    def check(self, check_id: str, probe: Probe) -> Callable[[], None]:
        def run() -> None:
            server = self.server()
            mark = _Mark(len(self._captured.thread_errors), len(self._captured.resource_warnings))
            failure, owners = "", ()
            try:
                probe(server)
                server.check_running()
            except NotAttempted:
                raise
            except OtherFault as exc:
                failure, owners = exc.message, exc.owners
                self.retire()
            except CheckFailure as exc:
                failure = str(exc)
                self.retire()  # within this check, so that the run's last words count here
            errors, leaks = self._problems_since(mark, check_id)
            if (errors or leaks) and not failure:
                self.retire()
                errors, leaks = self._problems_since(mark, check_id)
            if any(_is_not_implemented(e) for e in errors):
                raise not_attempted(server.signature)
            message = "; ".join(filter(None, [failure, _describe(errors, leaks, check_id)]))
            if not message:
                return
            found = _owners_of(errors, leaks, server)
            owners = tuple(o for o in found if o in self._known) or owners
            if owners and check_id not in owners:
                raise OtherFault(owners, message)
            raise CheckFailure(message)

        return run

    def _problems_since(self, mark: _Mark, check_id: str) -> tuple[list[str], list[str]]:
        errors = self._captured.thread_errors[mark.errors :]
        leaks = [
            w
            for w in self._captured.resource_warnings[mark.resource_warnings :]
            if _is_unclosed_connection(w, self._addresses)
        ]
        if check_id == LEAK_CHECK:
            self._leak_check_pending = False
            leaks = self._deferred_leaks + leaks
        elif self._leak_check_pending:
            self._deferred_leaks = list(dict.fromkeys(self._deferred_leaks + leaks))
            leaks = []
        return errors, leaks


def _is_unclosed_connection(warning: str, addresses: set[tuple[str, int]]) -> bool:
    """A connection the server accepted (its local address is a listener's), collected
    unclosed. Unconnected sockets are not counted (multiprocessing unpickles copies of a
    listener it never hands out when it terminates a pool), nor sockets of other programs in
    this process, such as a client some earlier code forgot, collected while the checks ran."""
    if not (warning.startswith("ResourceWarning: unclosed <socket") and "raddr=" in warning):
        return False
    return any(
        f"laddr=({host!r}, {port})" in warning or f"laddr=({host!r}, {port}," in warning
        for host, port in addresses
    )


def _is_not_implemented(error: str) -> bool:
    return ": NotImplementedError" in error


# An exception that escaped the server is the fault of the check about what caused it.
_ERROR_OWNERS = {
    "UnicodeDecodeError": "binary",
    "UnicodeEncodeError": "binary",
    "ConnectionResetError": "reset",
    "BrokenPipeError": "reset",
    "ConnectionAbortedError": "reset",
}


def _owners_of(errors: list[str], leaks: list[str], server: Server) -> tuple[str, ...]:
    """The checks that a failure with these escaped errors belongs to: the one for their
    kind; half-close for a server that failed once a client had ended its stream, or for
    connections it never closed."""
    for name, owner in _ERROR_OWNERS.items():
        if any(name in e for e in errors) or name in server.run.describe_error():
            return (owner,)
    if not server.running and server.run.error is not None and server.client_ended:
        return ("half-close",)
    return ("half-close",) if leaks else ()


def _describe(errors: list[str], leaks: list[str], check_id: str) -> str:
    parts = []
    if errors:
        shown = "; ".join(errors[:SHOWN_ERRORS])
        more = f" (and {len(errors) - SHOWN_ERRORS} more)" if len(errors) > SHOWN_ERRORS else ""
        advice = next(
            (text for name, text in _ERROR_ADVICE.items() if any(name in e for e in errors)),
            _DEFAULT_ADVICE,
        )
        if advice == _RESET_ADVICE and check_id != "reset":
            advice = _UNCLOSED_RESET_ADVICE
        parts.append(f"an exception escaped your server's code: {shown}{more}; {advice}")
    if leaks:
        parts.append(
            f"{len(leaks)} socket(s) were never closed: Python closed them when it collected "
            f"them, and warned ({leaks[0]}); close each connection when its client is done, "
            "for example with `with conn:`"
        )
    return "; ".join(parts)


def run_server_checks(
    subject: str,
    start: StartServer,
    probes: Iterable[tuple[str, Probe]],
    known: Iterable[str] = (),
) -> Report:
    """Run ``probes`` (check id, probe) against runs of a server started by ``start``.

    ``known`` are all the checks of the checklist: an escaped error is pointed at the
    one of them that is about it.
    """
    probes = list(probes)
    printed = _PrintedLines()
    with capture() as captured, contextlib.redirect_stdout(printed):
        session = _Session(start, captured, [check_id for check_id, _ in probes], known)
        try:
            report = run_checks(
                subject, [(check_id, session.check(check_id, p)) for check_id, p in probes]
            )
        finally:
            session.retire()
    if printed.count:
        report.subject += (
            f" (it printed {printed.count} line(s) while being checked, not shown here; "
            f"the first: {printed.first[:80]!r})"
        )
    return report
