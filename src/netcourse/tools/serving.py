"""Running your server in an experiment, under the same contract the checkers use.

    with nc.serving.running(serve) as address:
        nc.load.run(address, clients=4)

The contract (a listening socket handed to ``serve``, a ``stop`` event) is
documented in :mod:`netcourse.checks.echo`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ..checks.harness.server import KINDS, POOL_KINDS, Server

__all__ = ["KINDS", "POOL_KINDS", "running"]

STARTUP_GRACE = 0.1  # running() waits this long to see whether the function fails at once


@contextlib.contextmanager
def running(
    serve: Callable[..., Any], kind: str = "sequential", *, workers: int | None = None
) -> Iterator[tuple[str, int]]:
    """Run ``serve`` in the background for the ``with`` block; yield its ``(host, port)``.

    A function that fails at once (the starter stub, say) raises here. On leaving
    the block the server is told to stop and given two seconds to return; child
    processes it leaves are killed.
    """
    server = Server(serve, kind, workers=workers)
    try:
        if server.run.join(STARTUP_GRACE):
            server.check_running()
        yield server.address
    finally:
        server.close(grace=2.0)
