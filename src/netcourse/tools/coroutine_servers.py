"""Echo servers without a thread per client, and one probe run against them all (notebook 06).

Each follows the contract of :mod:`netcourse.checks.echo`, so that the
checker, ``nc.serving.running`` and notebook 07 run them like any other:

* ``nc.reactor.serve_echo``, notebook 03's reactor: non-blocking sockets, one
  selector and a callback per ready socket;
* ``nc.scheduler.serve``, the same server made of generator tasks that yield
  what they wait for: no callbacks;
* :func:`serve_gevent`, greenlets on gevent's hub, with ``StreamServer``;
* :func:`serve_asyncio`, coroutines on an asyncio event loop, with streams.

:data:`PATCHED_GEVENT_ECHO` is a whole program, a gevent server on a
monkey-patched ``socket`` module, to run as a script of its own
(``nc.scripts.serving``): patching cannot be done inside a Jupyter kernel.
:func:`compare` loads every server with the same clients, side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import Any

from . import load, reactor, scheduler, serving
from .echo_pools import echo_client

__all__ = [
    "PATCHED_GEVENT_ECHO",
    "SERVERS",
    "compare",
    "serve_asyncio",
    "serve_gevent",
]

CHUNK = 65536


# --- gevent and asyncio -----------------------------------------------------------------


def serve_gevent(listener: Any, stop: Any) -> None:
    """An echo server of greenlets: gevent's ``StreamServer`` spawns one per connection.

    The handler is the blocking one of notebook 05's pools: on a gevent socket each of its
    waits lets the other greenlets run.
    """
    from gevent.server import StreamServer

    server = StreamServer(listener, lambda conn, _address: echo_client(conn))
    server.start()
    try:
        stop.wait()
    finally:
        server.stop(timeout=1)


async def _echo_stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()  # wait while the client is slow to read: back-pressure
    except ConnectionError:
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def serve_asyncio(listener: socket.socket, stop: asyncio.Event) -> None:
    """An echo server of coroutines: ``asyncio.start_server`` runs one task per connection.

    Once stopped, it closes the connections still open and lets their tasks end
    by themselves: ``asyncio.run`` would cancel them, in the middle of closing.
    """
    handlers: dict[asyncio.Task, asyncio.StreamWriter] = {}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers[asyncio.current_task()] = writer
        try:
            await _echo_stream(reader, writer)
        finally:
            del handlers[asyncio.current_task()]

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await stop.wait()
    for writer in handlers.values():
        writer.close()  # the handler's read() returns b"", and it ends as after any client
    if handlers:
        await asyncio.wait(list(handlers), timeout=1.0)


PATCHED_GEVENT_ECHO = """\
from gevent import monkey

monkey.patch_all()  # first of all: before anything imports socket, ssl, threading or time

import socket

import gevent


def echo(conn):
    with conn:
        try:
            while data := conn.recv(65536):
                conn.sendall(data)  # send() may take only part of the data: sendall loops
        except ConnectionError:
            pass


listener = socket.create_server(("127.0.0.1", 0), backlog=1024)  # an ephemeral port
print(listener.getsockname()[1], flush=True)  # tell the parent which port
while True:
    conn, _ = listener.accept()  # patched: waits in gevent's hub, so other greenlets run
    gevent.spawn(echo, conn)
"""


# --- one probe against every server -----------------------------------------------------

# name -> (server function, kind)
SERVERS: dict[str, tuple[Callable[..., Any], str]] = {
    "03's reactor (callbacks)": (reactor.serve_echo, "selectors"),
    "generator tasks": (scheduler.serve, "selectors"),
    "gevent": (serve_gevent, "gevent"),
    "asyncio": (serve_asyncio, "asyncio"),
}
WARM_UP = 0.2


def compare(
    servers: dict[str, tuple[Callable[..., Any], str]] | None = None,
    clients: tuple[int, ...] = (1, 16, 64),
    size: int = 64,
    duration: float = 1.0,
    rounds: int = 2,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Load each server with the same clients, in alternating rounds; keep each one's best.

    Returns one row per server and number of clients: ``server``, ``clients``,
    ``throughput`` (round trips per second) and ``p99_ms``. Every server runs
    in this process, so each shares the interpreter with the load generator alike.
    """
    servers = SERVERS if servers is None else servers
    bar = _bar(rounds * len(servers) * len(clients), progress)
    best: dict[tuple[str, int], load.LoadResult] = {}
    try:
        for _ in range(rounds):
            for name, (serve, kind) in servers.items():
                with serving.running(serve, kind) as address:
                    load.run(address, clients=4, size=size, duration=WARM_UP, progress=False)
                    for count in clients:
                        result = load.run(
                            address, clients=count, size=size, duration=duration, progress=False
                        )
                        kept = best.get((name, count))
                        if kept is None or result.throughput > kept.throughput:
                            best[name, count] = result
                        if bar is not None:
                            bar.update()
    finally:
        if bar is not None:
            bar.close()
    return [
        {
            "server": name,
            "clients": count,
            "throughput": round(result.throughput),
            "p99_ms": round(result.p99 * 1000, 3),
            "errors": result.errors,
        }
        for (name, count), result in best.items()
    ]


def _bar(total: int, wanted: bool) -> Any:
    if not wanted:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="servers x clients", leave=False)
