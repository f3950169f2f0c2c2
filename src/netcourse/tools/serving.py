"""Running your server in an experiment, under the same contract the checkers use.

    with nc.serving.running(serve) as address:
        nc.load.run(address, clients=4)

The contract (a listening socket handed to ``serve``, a ``stop`` event) is
documented in :mod:`netcourse.checks.echo`; :func:`stop_with_idle_client`
shows what your server does with a client still connected when it is told to
stop.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..checks.harness.server import KINDS, POOL_KINDS, Server

__all__ = ["KINDS", "POOL_KINDS", "StopTimes", "running", "stop_with_idle_client"]

STARTUP_GRACE = 0.1  # running() waits this long to see whether the function fails at once
CLIENT_TIMEOUT = 5.0
TICK = 0.005


@contextlib.contextmanager
def running(
    serve: Callable[..., Any], kind: str = "sequential", *, workers: int | None = None
) -> Iterator[tuple[str, int]]:
    """Run ``serve`` in the background for the ``with`` block; yield its ``(host, port)``.

    A function that fails at once (the starter stub, say) raises here. On leaving
    the block the server is told to stop and given two seconds to return; child
    processes it leaves are killed.
    """
    server = _started(serve, kind, workers)
    try:
        yield server.address
    finally:
        server.close(grace=2.0)


def _started(serve: Callable[..., Any], kind: str, workers: int | None) -> Server:
    """The server running; a function that fails at once (the starter stub, say) raises here."""
    server = Server(serve, kind, workers=workers)
    try:
        if server.run.join(STARTUP_GRACE):
            server.check_running()
    except BaseException:
        server.close(grace=0.1)
        raise
    return server


@dataclass(frozen=True)
class StopTimes:
    """Seconds after ``stop`` was set: when the idle client left, and when ``serve`` returned."""

    client_left: float
    returned: float | None  # None: still running ``patience`` seconds after the client left


def stop_with_idle_client(
    serve: Callable[..., Any],
    kind: str = "sequential",
    *,
    workers: int | None = None,
    stay: float = 1.0,
    patience: float = 5.0,
) -> StopTimes:
    """Tell ``serve`` to stop while a client is connected and idle; that client leaves ``stay``
    seconds later. When did ``serve`` return?"""
    server = _started(serve, kind, workers)
    returned = None
    try:
        with socket.create_connection(server.address, timeout=CLIENT_TIMEOUT) as client:
            client.sendall(b"hello")
            client.recv(16)
            server.request_stop()
            start = time.perf_counter()
            while (now := time.perf_counter() - start) < stay:
                if returned is None and not server.running:
                    returned = now
                time.sleep(TICK)
        left = time.perf_counter() - start
        if returned is None and server.run.join(patience):
            returned = time.perf_counter() - start
        return StopTimes(left, returned)
    finally:
        server.close(grace=0.1)
