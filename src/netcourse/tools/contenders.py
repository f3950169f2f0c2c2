"""Echo servers that notebook 07 compares and no other tool module holds, importable by a host.

* :func:`serve_blocking`, notebook 02's reference answer: one client at a time;
* :func:`serve_thread_pool`, notebook 05's reference answer: a pool of threads;
* :func:`serve_uvloop`, the asyncio server on uvloop's event loop (an optional
  extra: ``pip install uvloop``; not on Windows);
* stand-ins for servers still being written on other branches of the course
  (04's thread per connection, 06's generator scheduler, gevent and asyncio
  servers), each to be replaced by its own module's function in ``nc.bench``.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

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


# --- stand-ins --------------------------------------------------------------------------


def serve_threads(listener: socket.socket, stop: threading.Event) -> None:
    """A thread per connection (kind ``"threads"``); stand-in for 04's ``nc.echo_threads``."""
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        threading.Thread(target=echo_client, args=(conn,), daemon=True).start()


def serve_gevent(listener: Any, stop: Any) -> None:
    """A greenlet per connection on gevent's StreamServer (kind ``"gevent"``); stand-in for 06's."""
    from gevent.server import StreamServer

    server = StreamServer(listener, lambda conn, _address: echo_client(conn))
    server.start()
    try:
        stop.wait()
    finally:
        server.stop(timeout=1)


async def serve_asyncio(listener: socket.socket, stop: asyncio.Event) -> None:
    """A task per connection on asyncio streams (kind ``"asyncio"``); stand-in for 06's."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await stop.wait()


def serve_generators(listener: socket.socket, stop: threading.Event) -> None:
    """Generator tasks on one selector (kind ``"selectors"``); stand-in for 06's
    ``nc.scheduler.serve``. Each task yields ``(event, sock)`` for what it waits for."""
    listener.setblocking(False)
    waiting: dict[socket.socket, Any] = {}
    ready: list[Any] = []

    def accept():
        while True:
            yield selectors.EVENT_READ, listener
            with contextlib.suppress(BlockingIOError):
                conn, _ = listener.accept()
                if stop.is_set():
                    conn.close()
                    return
                conn.setblocking(False)
                ready.append(echo(conn))

    def echo(conn: socket.socket):
        with conn:
            try:
                while True:
                    yield selectors.EVENT_READ, conn
                    data = conn.recv(CHUNK)
                    if not data:
                        return
                    view = memoryview(data)
                    while view:
                        yield selectors.EVENT_WRITE, conn
                        view = view[conn.send(view) :]
            except (BlockingIOError, ConnectionError):
                return

    ready.append(accept())
    with selectors.DefaultSelector() as selector:
        try:
            while not stop.is_set() or ready:
                for task in ready:
                    try:
                        event, sock = next(task)
                    except StopIteration:
                        continue
                    selector.register(sock, event, task)
                    waiting[sock] = task
                ready.clear()
                if stop.is_set():
                    break
                for key, _ in selector.select():
                    selector.unregister(key.fileobj)
                    del waiting[key.fileobj]
                    ready.append(key.data)
        finally:
            for task in waiting.values():
                task.close()


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
        await serve_asyncio(listener, inner)

    uvloop.run(main())
