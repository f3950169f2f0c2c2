"""Echo servers that notebook 07 compares and no other tool module holds, importable by a host.

* :func:`serve_blocking`, notebook 02's reference answer: one client at a time;
* :func:`serve_thread_pool`, notebook 05's reference answer: a pool of threads;
* :func:`serve_uvloop`, the asyncio server on uvloop's event loop (an optional
  extra: ``pip install uvloop``; not on Windows).

The other servers of the course live with their notebooks' tools: ``nc.reactor``
(03), ``nc.echo_threads`` (04), ``nc.echo_pools`` (05), ``nc.scheduler`` and
``nc.coroutine_servers`` (06).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from . import coroutine_servers
from .echo_pools import echo_client

CHUNK = 65536


def serve_blocking(listener: socket.socket, stop: threading.Event) -> None:
    """Echo each client in turn until stop is set (kind ``"sequential"``)."""
    while not stop.is_set():
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        echo_client(conn)


def serve_thread_pool(listener: socket.socket, stop: threading.Event, workers: int) -> None:
    """Serve clients on ``workers`` threads until stop is set (kind ``"thread-pool"``)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while True:
            conn, _ = listener.accept()
            if stop.is_set():
                conn.close()
                return
            pool.submit(echo_client, conn)


# --- uvloop -----------------------------------------------------------------------------


def uvloop_installed() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def serve_uvloop(listener: socket.socket, stop: threading.Event) -> None:
    """The asyncio server on uvloop's event loop in this thread (kind ``"threads"``)."""
    import uvloop

    async def main() -> None:
        loop = asyncio.get_running_loop()
        inner = asyncio.Event()
        watcher = threading.Thread(
            target=lambda: (stop.wait(), loop.call_soon_threadsafe(inner.set)), daemon=True
        )
        watcher.start()
        await coroutine_servers.serve_asyncio(listener, inner)

    uvloop.run(main())
