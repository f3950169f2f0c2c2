"""The checker of an echo server that holds many idle connections (notebook 07, exercise 2).

The contract is :mod:`netcourse.checks.echo`'s: ``async def serve(listener,
stop)`` (asyncio) or ``def serve(listener, stop)`` (threads or selectors,
told to stop with a ``threading.Event``); which one is read off the function.
The checks:

* ``echo``, ``idle-cpu``, ``leaks``, ``stop``: as for every echo server;
* ``new-client``: while ``connections`` clients are connected and silent, a
  new client gets its echo;
* ``held``: those clients each get an echo, stay connected and silent for a
  while, and each gets an echo again: the server dropped none of them.

The server's memory is reported, not judged: how much resident memory this
process (the server, and the checker's clients) grew by per connection, and
how many threads it ran. That depends on the machine, so no threshold is set.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import psutil

from .echo import probes
from .echo.client import (
    CHANGED,
    CLOSED,
    EXTRA,
    GAP,
    RESET,
    SILENT,
    Exchange,
    clients,
    drive,
    outcome,
)
from .echo.probes import ensure_open_files, wait_ready
from .harness.core import CheckFailure, Checklist, OtherFault, Report, SkipCheck, fault_of
from .harness.server import Server
from .harness.sessions import run_server_checks

__all__ = ["CHECKS", "check_server"]

HOLD = 1.5  # seconds the idle clients stay silent between their two echoes
PATIENCE = 3.0  # seconds without progress before a client gives up
WARM_UP_CLIENTS = 16  # served before leaks counts: more than a small pool's workers
NEW_CLIENT = b"a new client"
WRONG_ECHO = {CHANGED, EXTRA, GAP}  # bytes came back, but not the message: see echo


@dataclass
class Settings:
    connections: int
    kind: str
    notes: list[str] = field(default_factory=list)  # what was measured, for the report


@dataclass(frozen=True)
class Trial:
    server: Server
    settings: Settings

    def echo(self) -> probes.Trial:
        return probes.Trial(self.server, probes.Settings(kind=self.settings.kind))


CHECKS: Checklist[Trial] = Checklist("idle")


@CHECKS.check("echo")
def echo(trial: Trial) -> None:
    probes.short(trial.echo())


@CHECKS.check("new-client")
def new_client(trial: Trial) -> None:
    count = trial.settings.connections
    with clients(trial.server, count):
        time.sleep(0.2)  # let the server accept them, as far as it will
        with clients(trial.server, 1) as (sock,):
            ex = Exchange(sock, NEW_CLIENT)
            drive([ex], trial.server, patience=PATIENCE)
            result = outcome(ex, f"the new client's message {NEW_CLIENT!r}", PATIENCE)
    if result.kind in WRONG_ECHO:
        raise SkipCheck(f"{result.text}: see echo")
    if result.kind != "ok":
        raise CheckFailure(
            f"a new client got no echo while {count} silent clients were connected: the "
            "server is busy with the silent ones. Serve every connection at once, each idle "
            "one costing nothing but memory: coroutines, a selector, or a thread each (not a "
            f"fixed pool; with {count} clients connected and silent, {result.text})"
        )


@CHECKS.check("held")
def held(trial: Trial) -> None:
    server, count = trial.server, trial.settings.connections
    me = psutil.Process()
    before = me.memory_info().rss
    with clients(server, count) as socks:
        first = _round(socks, server, "first")
        if any(r.kind in WRONG_ECHO for r in first):
            raise SkipCheck("a message came back changed: see echo")
        served = sum(r.kind == "ok" for r in first)
        closed = sum(r.kind in (CLOSED, RESET) for r in first)
        if closed:
            raise CheckFailure(
                f"the server dropped idle connections: {closed} of {count} were closed before "
                "their first message got its echo. Hold every connection open, without a "
                "timeout, until its client closes it"
            )
        if served < count:
            raise SkipCheck(f"only {served} of {count} connections got their echo: see new-client")
        time.sleep(0.1)
        grown = me.memory_info().rss - before
        threads = len(server.threads())
        time.sleep(HOLD)
        second = _round(socks, server, "second")
    dropped = sum(r.kind in (CLOSED, RESET) for r in second)
    silent = sum(r.kind == SILENT for r in second)
    if dropped or silent:
        raise CheckFailure(
            f"the server dropped idle connections: after {HOLD:g} s of silence, {dropped} of "
            f"{count} connections were closed and {silent} got no echo. An idle connection "
            "is a client still there: keep it open, without a timeout, until it closes"
        )
    trial.settings.notes.append(
        f"held {count} idle connections on {threads} thread(s); this process's resident "
        f"memory grew by {grown / count / 1024:.1f} KiB per connection (your server's side "
        "and the checker's clients together; not graded)"
    )


def _round(socks: list, server: Server, which: str) -> list:
    exchanges = [
        Exchange(s, b"%s message of client %d" % (which.encode(), n)) for n, s in enumerate(socks)
    ]
    drive(exchanges, server, patience=PATIENCE)
    return [outcome(ex, "its message", PATIENCE) for ex in exchanges]


# The echo probes blame a connection left open after its client's end of stream on
# half-close, a check this checklist lacks: here it is a server busy with the silent
# clients (new-client) or one that keeps finished connections (leaks).
IDLE_CPU_OWNERS = ("new-client", "leaks")


@CHECKS.check("idle-cpu")
def idle_cpu(trial: Trial) -> None:
    with clients(trial.server, trial.settings.connections), _half_close_is(IDLE_CPU_OWNERS):
        time.sleep(0.2)
        probes.idle_cpu(trial.echo())


@CHECKS.check("leaks")
def leaks(trial: Trial) -> None:
    with _half_close_is(("leaks",)):
        _warm_up(trial.server)
        probes.leaks(trial.echo())


def _warm_up(server: Server) -> None:
    """Serve a round of clients first, so that a pool has grown to its size before leaks
    counts threads: a bounded pool's idle workers are not leaked threads."""
    with clients(server, WARM_UP_CLIENTS) as socks:
        drive([Exchange(s, b"warm-up", shut_write=True) for s in socks], server, patience=PATIENCE)


@contextlib.contextmanager
def _half_close_is(owners: tuple[str, ...]) -> Iterator[None]:
    """Blame on ``owners`` the faults the echo probes leave to half-close."""
    try:
        yield
    except OtherFault as fault:
        if "half-close" not in fault.owners:
            raise
        raise fault_of(owners, fault.message) from None


@CHECKS.check("stop")
def stop(trial: Trial) -> None:
    probes.stop(trial.echo())


def check_server(
    serve: Callable[..., Any], connections: int = 200, only: Iterable[str] | None = None
) -> Report:
    """Run the checks (or those named in ``only``) on ``serve`` with ``connections`` idle
    clients; an ``async def`` is run as asyncio, any other function in a thread."""
    if not (isinstance(connections, int) and connections > 0):
        raise ValueError("connections must be a whole number, at least 1")
    selected = CHECKS.select(only)
    ensure_open_files(connections + 8)
    kind = "asyncio" if inspect.iscoroutinefunction(serve) else "threads"
    settings = Settings(connections, kind)

    def start(on_error: Callable[[str], None]) -> Server:
        server = Server(serve, kind, on_error=on_error)
        wait_ready(server)
        return server

    name = getattr(serve, "__name__", "serve")
    report = run_server_checks(
        f"echo server {name} ({kind}) with {connections} idle connections",
        start,
        [(check_id, partial(_on, check, settings)) for check_id, check in selected],
    )
    if settings.notes:
        report.subject += f" ({'; '.join(settings.notes)})"
    return report


def _on(check: Callable[[Trial], None], settings: Settings, server: Server) -> None:
    check(Trial(server, settings))
