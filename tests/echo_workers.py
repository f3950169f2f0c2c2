"""What an echo server's worker process runs: kept apart, importing only ``socket``.

A worker process imports the module of the function it runs; a small module
keeps the start of a process pool fast.
"""

import socket

CHUNK = 65536


def echo_connection(conn: socket.socket) -> None:
    """Echo one connection until the client has sent everything; close it."""
    with conn:
        try:
            while data := conn.recv(CHUNK):
                conn.sendall(data)
        except ConnectionError:
            pass


def accept_forever(listener: socket.socket) -> None:
    """A worker process's loop: one connection at a time, until the pool is terminated."""
    while True:
        conn, _ = listener.accept()
        echo_connection(conn)
