"""An echo server with a thread per connection (notebook 04), for the experiments that need one.

``serve(listener, stop)`` follows the course's server contract (see
:mod:`netcourse.checks.echo`): it accepts until ``stop`` is set, serves each
client on a thread of its own, and when told to stop shuts down the
connections still open, so that every thread blocked in ``recv()`` returns
and ends, and joins them before it returns. Notebook 04 runs it in a child
process next to a CPU-bound thread (the convoy effect); notebook 07 measures
it with the other servers of the course.
"""

from __future__ import annotations

import contextlib
import socket
import threading

CHUNK = 65536
JOIN_TIMEOUT = 2.0  # per thread, once its connection has been shut down


def echo(conn: socket.socket) -> None:
    """Echo one client until it has sent everything, then close the connection."""
    with conn:
        try:
            while data := conn.recv(CHUNK):
                conn.sendall(data)
        except OSError:  # reset by the client, or shut down by serve() as it stops
            pass


class Connections:
    """The connections being served and their threads, so that a stop can end them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[socket.socket, threading.Thread] = {}

    def serve(self, conn: socket.socket) -> None:
        thread = threading.Thread(target=self._echo, args=(conn,), daemon=True)
        with self._lock:
            self._open[conn] = thread
        thread.start()

    def _echo(self, conn: socket.socket) -> None:
        try:
            echo(conn)
        finally:
            with self._lock:
                self._open.pop(conn, None)

    def end(self) -> None:
        """Shut down every open connection (its thread's recv() returns b''), join the threads."""
        with self._lock:
            left = dict(self._open)
        for conn in left:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in left.values():
            thread.join(JOIN_TIMEOUT)


def serve(listener: socket.socket, stop: threading.Event) -> None:
    """Serve each client on a thread of its own until ``stop`` is set; then end them all."""
    connections = Connections()
    try:
        while True:
            conn, _ = listener.accept()
            if stop.is_set():  # the wake-up connection of the contract
                conn.close()
                return
            connections.serve(conn)
    finally:
        connections.end()
