"""What an echo server's worker processes run: kept apart, importing only ``socket``.

A worker process imports the module of the function it runs; a small module
keeps the start of a process pool fast.
"""

import socket

CHUNK = 65536
_listener: socket.socket | None = None


def echo_connection(conn: socket.socket) -> None:
    """Echo one connection until the client has sent everything; close it."""
    with conn:
        try:
            while data := conn.recv(CHUNK):
                conn.sendall(data)
        except ConnectionError:
            pass


def echo_with_send(conn: socket.socket) -> None:
    """Echo one connection with send() where sendall() is needed (a wrong answer's worker)."""
    with conn:
        try:
            while data := conn.recv(CHUNK):
                conn.send(data)
        except ConnectionError:
            pass


def adopt(listener: socket.socket) -> None:
    """A pool worker's initializer: keep the listening socket it was started with.

    Arguments of an initializer travel with the process as it starts, so the
    socket needs none of the machinery that sends sockets to running workers.
    """
    global _listener
    _listener = listener


def accept_forever() -> None:
    """A worker's task: serve one connection at a time, until the pool is terminated."""
    while True:
        conn, _ = _listener.accept()
        echo_connection(conn)


def accept_forever_with_send() -> None:
    """accept_forever, echoing with send(): a wrong answer's task."""
    while True:
        conn, _ = _listener.accept()
        echo_with_send(conn)
