"""Nagle's algorithm meets delayed acknowledgements: a request written in two pieces, timed.

A client sends an 8-byte request and waits for a 1-byte reply, over and over.
Written in two ``sendall()`` calls, the second piece is small and an earlier
one is not yet acknowledged, so Nagle's algorithm holds it back; the server
has only half a request, sends nothing, and acknowledges late. ``TCP_NODELAY``
on the client, or the whole request in one write, takes the wait away.
"""

from __future__ import annotations

import socket
import threading
import time

REQUEST = b"HEADBODY"  # 8 bytes: the server answers once it has all of them
TIMEOUT = 5.0  # no wait in the experiment lasts longer than this


def _answer(listener: socket.socket, count: int) -> None:
    conn, _ = listener.accept()
    with conn:
        conn.settimeout(TIMEOUT)
        for _ in range(count):
            got = b""
            while len(got) < len(REQUEST):
                data = conn.recv(len(REQUEST) - len(got))
                if not data:
                    return
                got += data
            conn.sendall(b"!")


def round_trips(nodelay: bool = False, writes: int = 2, count: int = 30) -> list[float]:
    """Milliseconds per request and reply, for ``count`` requests sent in ``writes`` pieces.

    ``nodelay`` sets TCP_NODELAY on the client: small writes then leave at once.
    """
    size = -(-len(REQUEST) // writes)
    pieces = [REQUEST[i : i + size] for i in range(0, len(REQUEST), size)]
    with socket.create_server(("127.0.0.1", 0)) as listener:
        server = threading.Thread(target=_answer, args=(listener, count), daemon=True)
        server.start()
        times = []
        with socket.create_connection(listener.getsockname(), timeout=TIMEOUT) as client:
            if nodelay:
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(count):
                start = time.perf_counter()
                for piece in pieces:
                    client.sendall(piece)
                client.recv(1)
                times.append((time.perf_counter() - start) * 1000)
        server.join(TIMEOUT)
    return times
