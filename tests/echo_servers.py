"""Reference echo servers, one per kind of the course, written to the checker's contract.

When told to stop, the blocking, thread and pool servers finish the clients
they are serving; the selector loop, the process pool, gevent's StreamServer
after its grace second and asyncio before Python 3.12 close them instead.
The contract (netcourse.checks.echo) allows both: each returns once no
client is connected.

They live in an importable module because process-pool workers import the
functions they run. Run as a script, a server listens until stdin closes:

    python -m tests.echo_servers KIND     # prints "PORT" on its first line
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool

from netcourse.tools.workloads import process_context

from .echo_workers import CHUNK, accept_forever, adopt, echo_connection

BACKLOG_LIMIT = 2**20  # stop reading from a client whose echo is this far behind


def sequential(listener: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            break
        echo_connection(conn)


def threads(listener: socket.socket, stop: threading.Event) -> None:
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        threading.Thread(target=echo_connection, args=(conn,), daemon=True).start()


def thread_pool(listener: socket.socket, stop: threading.Event, workers: int) -> None:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while True:
            conn, _ = listener.accept()
            if stop.is_set():
                conn.close()
                return
            pool.submit(echo_connection, conn)


def multiprocessing_thread_pool(listener: socket.socket, stop: threading.Event, workers: int):
    """The same with multiprocessing's ThreadPool, whose helper threads are not workers."""
    with ThreadPool(workers) as pool:
        while True:
            conn, _ = listener.accept()
            if stop.is_set():
                conn.close()
                break
            pool.apply_async(echo_connection, (conn,))
        pool.close()
        pool.join()


def process_pool(listener: socket.socket, stop: threading.Event, workers: int) -> None:
    """Worker processes that each accept on the listener they were sent as they started."""
    pool = process_context().Pool(workers, initializer=adopt, initargs=(listener,))
    with pool:  # leaving the block terminates the workers
        for _ in range(workers):
            pool.apply_async(accept_forever)
        stop.wait()


class _Client:
    """A non-blocking connection's state: what is still to be echoed, and whether input ended."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.out = bytearray()
        self.ended = False

    def events(self) -> int:
        reading = not self.ended and len(self.out) < BACKLOG_LIMIT
        return (selectors.EVENT_READ if reading else 0) | (selectors.EVENT_WRITE if self.out else 0)


def selectors_server(
    listener: socket.socket,
    stop: threading.Event,
    poll_timeout: float | None = None,
    close_at_stop: bool = True,
) -> None:
    """Non-blocking sockets and one selector; ``poll_timeout`` None waits for an event.

    When stopped it closes the connections still open (unless ``close_at_stop`` is false).
    """
    listener.setblocking(False)
    clients: dict[socket.socket, _Client] = {}
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        while not stop.is_set():
            for key, events in selector.select(poll_timeout):
                if key.fileobj is listener:
                    with contextlib.suppress(BlockingIOError):
                        conn, _ = listener.accept()
                        conn.setblocking(False)
                        clients[conn] = _Client(conn)
                        selector.register(conn, selectors.EVENT_READ, clients[conn])
                    continue
                client = key.data
                try:
                    if events & selectors.EVENT_READ:
                        data = client.conn.recv(CHUNK)
                        client.out += data
                        client.ended = not data
                    if events & selectors.EVENT_WRITE and client.out:
                        del client.out[: client.conn.send(client.out)]
                except (BlockingIOError, InterruptedError):
                    pass
                except ConnectionError:
                    client.ended, client.out = True, bytearray()
                if client.ended and not client.out:
                    selector.unregister(client.conn)
                    client.conn.close()
                    del clients[client.conn]
                elif client.events() != key.events:
                    selector.modify(client.conn, client.events(), client)
        for conn in clients if close_at_stop else ():
            conn.close()


async def asyncio_server(listener: socket.socket, stop: asyncio.Event) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await stop.wait()


def gevent_stream_server(listener, stop) -> None:
    from gevent.server import StreamServer

    server = StreamServer(listener, lambda conn, address: echo_connection(conn))
    server.start()
    try:
        stop.wait()
    finally:
        server.stop(timeout=1)


def gevent_accept_loop(listener, stop) -> None:
    import gevent

    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        gevent.spawn(echo_connection, conn)


WORKERS = 4
# (server, kind) for every reference; pool kinds run with WORKERS workers.
REFERENCES = {
    "sequential": (sequential, "sequential"),
    "selectors": (selectors_server, "selectors"),
    "threads": (threads, "threads"),
    "thread-pool": (thread_pool, "thread-pool"),
    "multiprocessing-thread-pool": (multiprocessing_thread_pool, "thread-pool"),
    "process-pool": (process_pool, "process-pool"),
    "gevent": (gevent_stream_server, "gevent"),
    "gevent-accept-loop": (gevent_accept_loop, "gevent"),
    "asyncio": (asyncio_server, "asyncio"),
}


def main(name: str) -> None:
    """Serve with the reference (or the wrong server) of that name until stdin closes."""
    from netcourse.checks.echo.probes import wait_ready
    from netcourse.checks.harness.server import POOL_KINDS, Server

    from .echo_wrong import CORPUS

    wrong = {case.name: (case.answer, case.options["kind"]) for case in CORPUS}
    serve, kind = REFERENCES.get(name) or wrong[name]
    server = Server(serve, kind, workers=WORKERS if kind in POOL_KINDS else None)
    wait_ready(server)  # a pool's workers take a while to start
    print(server.address[1], flush=True)
    sys.stdin.read()
    server.close(grace=3.0)


if __name__ == "__main__":
    main(sys.argv[1])
