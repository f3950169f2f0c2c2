"""A reactor built from scratch: one thread, one selector, callbacks (notebook 03).

Notebook 03 builds these classes cell by cell; here they are for everyone
else to run: 06 measures its generator scheduler against this reactor, and
07 runs it beside every other server of the course. ``serve_echo`` follows
the echo contract (kind ``"selectors"``)::

    with nc.serving.running(nc.reactor.serve_echo, "selectors") as address:
        print(nc.load.run(address, clients=10))

    slow = functools.partial(nc.reactor.serve_echo, connection=SlowEcho)

``tests/test_reactor.py`` keeps these classes the same as the notebook's cells.
"""

from __future__ import annotations

import selectors
import socket
import threading
from collections import deque
from collections.abc import Callable

__all__ = ["CHUNK", "HIGH_WATER", "EchoConnection", "Reactor", "serve_echo"]

CHUNK = 65536  # bytes asked of one recv()
HIGH_WATER = 256 * 2**10  # stop reading from a client while this much waits to be sent back


class Reactor:
    """Calls back when a socket is ready to read or to write: the heart of every event loop."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.soon: deque[Callable[[], None]] = deque()
        self.running = False

    def add_reader(self, sock: socket.socket, callback: Callable[[], None]) -> None:
        self._watch(sock, 0, callback)

    def remove_reader(self, sock: socket.socket) -> None:
        self._watch(sock, 0, None)

    def add_writer(self, sock: socket.socket, callback: Callable[[], None]) -> None:
        self._watch(sock, 1, callback)

    def remove_writer(self, sock: socket.socket) -> None:
        self._watch(sock, 1, None)

    def _watch(self, sock: socket.socket, which: int, callback: Callable[[], None] | None) -> None:
        """Set the reader (0) or writer (1) callback of ``sock``; None removes it."""
        key = self.selector.get_map().get(sock)
        callbacks = key.data if key else [None, None]  # one list per socket, kept as it changes
        callbacks[which] = callback
        events = (selectors.EVENT_READ if callbacks[0] else 0) | (
            selectors.EVENT_WRITE if callbacks[1] else 0
        )
        if key is None:
            if events:
                self.selector.register(sock, events, callbacks)
        elif not events:
            self.selector.unregister(sock)
        elif events != key.events:
            self.selector.modify(sock, events, callbacks)

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the next turn of the loop, after the ready sockets' callbacks."""
        self.soon.append(callback)

    def run(self) -> None:
        """Wait for ready sockets and run their callbacks, until a callback calls stop()."""
        self.running = True
        while self.running:
            timeout = 0 if self.soon else None  # block in select() unless work is waiting
            for key, events in self.selector.select(timeout):
                callbacks = key.data
                if events & selectors.EVENT_READ and callbacks[0]:
                    callbacks[0]()
                if events & selectors.EVENT_WRITE and callbacks[1]:  # the reader may have left
                    callbacks[1]()
            for _ in range(len(self.soon)):
                self.soon.popleft()()

    def stop(self) -> None:
        self.running = False

    def close(self) -> None:
        self.selector.close()


class EchoConnection:
    """One client on the reactor: the bytes it is owed (its output buffer), and whether its
    input has ended. ``handle`` is the protocol; the rest moves bytes."""

    def __init__(self, reactor: Reactor, conn: socket.socket, gone: Callable) -> None:
        self.reactor, self.conn, self.gone = reactor, conn, gone
        self.out = bytearray()
        self.ended = False
        conn.setblocking(False)  # accept() does not promise it on every system
        reactor.add_reader(conn, self.on_readable)

    def handle(self, data: bytes) -> bytes:
        """What to send back for ``data`` received: an echo sends it back as it is."""
        return data

    def on_readable(self) -> None:
        try:
            data = self.conn.recv(CHUNK)
        except BlockingIOError:  # a spurious wake-up: nothing to read after all
            return
        except ConnectionError:  # the client reset the connection
            self.close()
            return
        if data:
            self.out += self.handle(data)
        else:
            self.ended = True  # b'': the client has finished sending
        self.on_writable()  # try to send at once; most of the time it all goes

    def on_writable(self) -> None:
        if self.out:
            try:
                sent = self.conn.send(self.out)
            except BlockingIOError:
                sent = 0
            except ConnectionError:
                self.close()
                return
            del self.out[:sent]  # keep what send() did not take, for the next writable event
        self.update()

    def update(self) -> None:
        """Watch for what this connection needs next, or close it once it is done."""
        if self.ended and not self.out:
            self.close()
            return
        if self.out:
            self.reactor.add_writer(self.conn, self.on_writable)
        else:
            self.reactor.remove_writer(self.conn)
        if not self.ended and len(self.out) < HIGH_WATER:
            self.reactor.add_reader(self.conn, self.on_readable)
        else:  # back-pressure: a client that does not read its echo stops being read
            self.reactor.remove_reader(self.conn)

    def close(self) -> None:
        self.reactor.remove_reader(self.conn)
        self.reactor.remove_writer(self.conn)
        self.conn.close()
        self.gone(self)


def serve_echo(
    listener: socket.socket, stop: threading.Event, connection: type = EchoConnection
) -> None:
    """The echo server on a reactor, under the course's contract (kind ``"selectors"``)."""
    reactor = Reactor()
    clients: set = set()
    listener.setblocking(False)

    def on_accept() -> None:
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, ConnectionAbortedError):  # taken by another, or reset (BSD)
            return
        if stop.is_set():  # the checker's wake-up connection
            conn.close()
            reactor.stop()
            return
        clients.add(connection(reactor, conn, clients.discard))

    reactor.add_reader(listener, on_accept)
    try:
        reactor.run()
    finally:
        for client in list(clients):
            client.close()
        reactor.close()
