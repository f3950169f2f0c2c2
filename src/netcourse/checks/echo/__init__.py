"""The echo-server checker: one checker for every echo server of the course.

The contract
============

You never create the listening socket and never choose a port. The checker
(or ``nc.serving.running`` in an experiment) creates a TCP socket
listening on 127.0.0.1 with an ephemeral port and calls your function with it
and with a way to tell it to stop. Your function serves clients until it is
told to stop; from then on it accepts no new client, and it returns promptly
(within a few seconds) once no client is connected, leaving nothing running:
no threads, no worker processes, no open connections.

================  ===================================================  ===========================
kind              your function                                         ``stop`` is
================  ===================================================  ===========================
``sequential``    ``serve(listener, stop)``                             a ``threading.Event``
``selectors``     ``serve(listener, stop)``                             a ``threading.Event``
``threads``       ``serve(listener, stop)``                             a ``threading.Event``
``thread-pool``   ``serve(listener, stop, workers)``                    a ``threading.Event``
``process-pool``  ``serve(listener, stop, workers)``                    a ``threading.Event``
``gevent``        ``serve(listener, stop)``                             a ``gevent.event.Event``
``asyncio``       ``async def serve(listener, stop)``                   an ``asyncio.Event``
================  ===================================================  ===========================

* ``listener`` is a blocking ``socket.socket``, already listening. The
  checker owns it and closes it after your function returns; you may close
  it too. For ``gevent`` it is a ``gevent.socket.socket`` on the same
  listening socket, so that ``listener.accept()`` lets other greenlets run.
  For ``asyncio``, hand it to ``asyncio.start_server(handle, sock=listener)``.
* Your function runs in a thread of its own (for ``asyncio``, on an event
  loop of its own in that thread; for ``gevent``, on that thread's own hub,
  without monkey-patching).
* **Stopping.** The checker sets ``stop`` and then connects once and closes
  that connection at once. So a server waiting in ``accept()`` (or in
  ``select()``) wakes up, sees ``stop.is_set()``, and accepts no more; that
  last connection needs no reply. An ``asyncio`` server simply
  ``await stop.wait()``; a ``gevent`` server ``stop.wait()`` in a greenlet.
  A client may still be connected when ``stop`` is set. The server may go on
  serving it until it leaves (the blocking server finishes its client; a
  pool's ``with`` block waits for its workers; an asyncio server's
  ``wait_closed()`` waits for its connections from Python 3.12) or close its
  connection (a selector loop that ends, a process pool that terminates its
  workers): either way it returns within a few seconds of the last client
  leaving. The checker never waits for a server to return while a client of
  its own is still connected, and the ``stop`` check sets ``stop`` while one
  is connected and idle, then closes it.
* Pool servers run at most ``workers`` workers (threads or processes) at a
  time, and shut the pool down before returning. Functions that run in worker
  processes must live in an importable module (Python 3.14 starts workers
  with forkserver on Linux, spawn on macOS and Windows).
* A client may send any bytes, in any pieces, close its sending side while
  it still reads (half-close), or reset the connection: none of that may stop
  the server from serving the others.

The checks
==========

Each property is its own check with a stable id: ``short``, ``binary``,
``large``, ``many-messages``, ``half-close``, ``reset``, ``head-of-line``,
``concurrent``, ``idle-cpu``, ``leaks``, ``bounded-workers`` and ``stop``.
``EXERCISE_CHECKS`` says which apply to each kind: a sequential server is not
asked for ``head-of-line`` or ``concurrent``; only pools get
``bounded-workers``. In a test cell::

    report = nc.checks.echo.check_server(serve, "sequential")
    print(report)
    report.require()

``concurrent`` holds ``clients`` connections at once (100 by default; a pool
of N workers is asked for N); ``bounded-workers`` allows a thread pool one
thread besides its workers (to accept, say) and a process pool none.

Every wait has its own deadline of a second or so, so a wedged server fails
within seconds. After a check fails, the next one gets a fresh run of the
server. Exceptions that escape your server's threads, tasks or greenlets fail
the check that was running; a connection left for the garbage collector to
close (a ResourceWarning) fails ``leaks``; what your server prints is counted,
not shown. At the end of each check the clients shut down their sending side;
a connection the server has not closed shortly after is reset, which ends a
thread that would otherwise go on calling ``recv()`` on it for ever.

:func:`check_address` runs the checks that can be observed from outside on a
server already listening anywhere, in any language (``netcourse check-echo``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from ..harness.core import CheckFailure, Report, SkipCheck, fault_of, run_checks
from ..harness.server import KINDS, POOL_KINDS, Server
from ..harness.sessions import run_server_checks
from .probes import CHECKS, LARGE, Remote, Settings, Trial, black_box_large, on, wait_ready
from .udp import check_udp_server

_CONCURRENT = tuple(c for c in CHECKS.ids if c != "bounded-workers")
_SEQUENTIAL = tuple(c for c in _CONCURRENT if c not in ("head-of-line", "concurrent"))
EXERCISE_CHECKS: dict[str, tuple[str, ...]] = {
    "sequential": _SEQUENTIAL,
    "selectors": _CONCURRENT,
    "threads": _CONCURRENT,
    "thread-pool": CHECKS.ids,
    "process-pool": CHECKS.ids,
    "gevent": _CONCURRENT,
    "asyncio": _CONCURRENT,
}
BLACK_BOX_CHECKS = (*CHECKS.ids[:8], "idle-cpu", "leaks")
# Accepted connections inherit the listener's send buffer: a small one makes
# a send() that takes only part of a large message happen on every platform.
# Linux queues a whole segment (up to 64 KiB on loopback) whenever its send
# buffer has any room, so with 64 KiB a 64 KiB send() that is not looped went
# whole about 1 time in 10 on a loaded machine; with 16 KiB it never fits.
SEND_BUFFER = 16 * 2**10


def check_server(
    serve: Callable[..., Any],
    kind: str = "sequential",
    only: Iterable[str] | None = None,
    *,
    clients: int = 100,
    workers: int | None = None,
    seed: int = 0,
    large: int = LARGE,
) -> Report:
    """Run the checks for ``kind`` (or those named in ``only``) on a student's ``serve``.

    ``clients`` is how many connections ``concurrent`` holds at once (a pool
    is asked for ``workers`` of them); ``seed`` and ``large`` vary the bytes
    and the size of the large message.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if kind in POOL_KINDS and not (isinstance(workers, int) and workers > 0):
        raise ValueError(f"a {kind} server is checked with workers=N, the bound it must keep")
    if large < 2**20:
        raise ValueError("large must be at least 1 MiB (1048576 bytes)")
    selected = CHECKS.select(EXERCISE_CHECKS[kind] if only is None else only)
    settings = Settings(clients=clients, workers=workers, kind=kind, seed=seed, large=large)

    def start(on_error: Callable[[str], None]) -> Server:
        server = Server(
            serve,
            kind,
            workers=workers,
            send_buffer=SEND_BUFFER,
            short_sends=True,
            on_error=on_error,
        )
        wait_ready(server)
        return server

    name = getattr(serve, "__name__", "serve")
    return run_server_checks(
        f"echo server {name} ({kind})",
        start,
        [(c, on(f, settings)) for c, f in selected],
        CHECKS.ids,
    )


def check_address(
    host: str,
    port: int,
    *,
    concurrent: bool = False,
    clients: int = 100,
    pid: int | None = None,
) -> Report:
    """Check an echo server already listening at ``host:port``, from the outside.

    ``head-of-line`` and ``concurrent`` run only with ``concurrent=True``;
    ``idle-cpu`` and ``leaks`` only with the server's process id ``pid``. The
    server's buffers are not the checker's to size here, so ``large`` sends a
    message well past the largest send buffer this machine allows
    (:func:`black_box_large`). Once the server process has ended, the checks
    left point to the first one that found it gone (a check it passed before it
    ended stays passed, however soon after it the process ended).
    """
    target = Remote((host, port), pid)
    settings = Settings(clients=clients, large=black_box_large())
    ended: list[str] = []  # the check during which the server process ended

    def probe(trial: Trial, check: Callable[[Trial], None], check_id: str) -> None:
        if check_id in ("head-of-line", "concurrent") and not concurrent:
            raise SkipCheck("only with --concurrent (concurrent=True)")
        if check_id in ("idle-cpu", "leaks") and pid is None:
            raise SkipCheck("only with --pid PID, the server's process id")
        if ended:
            raise fault_of(ended[0], f"the server process {pid} ended")
        try:
            check(trial)
        except (CheckFailure, SkipCheck) as exc:
            if target.running:
                raise
            ended.append(check_id)
            seen = "" if f"process {pid}" in str(exc) else f": {exc}"
            raise CheckFailure(f"the server process {pid} ended during this check{seen}") from None

    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return run_checks(
        f"echo server at {where}",
        [
            (check_id, partial(probe, Trial(target, settings), check, check_id))
            for check_id, check in CHECKS.select(BLACK_BOX_CHECKS)
        ],
    )


__all__ = [
    "BLACK_BOX_CHECKS",
    "CHECKS",
    "EXERCISE_CHECKS",
    "check_address",
    "check_server",
    "check_udp_server",
]
