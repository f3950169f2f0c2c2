"""Real TCP connections on loopback for checks of socket code, and what travels over them.

:func:`fed` gives student code a socket whose peer sends chosen bytes in
chosen pieces; :func:`connected_pair` gives both ends of a connection. Both
ends have timeouts, so no ``recv()`` waits forever, and the student's end has a
small send buffer, so one ``send()`` of a large message takes only part of it.
Students reach these as ``nc.framing``.

:func:`short_send_listener` makes the listening socket of a server under
check: the connections it accepts are plain sockets in every way but one.
A blocking ``send()`` on them returns as soon as the kernel has taken some
of the data, with the count it took, as POSIX allows (a signal can make any
blocking ``send()`` do that) but Linux otherwise almost never does. So a
``send()`` where ``sendall()`` is needed loses data for real, in a server of
any kind, once its client stops reading and the send buffer fills.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing import reduction

from .capture import Background
from .core import CheckFailure, not_attempted

SOCKET_TIMEOUT = 2.0  # a blocked recv() in student code gives up after this
CALL_DEADLINE = 3.0  # a call that has not returned by then has failed
FEED_WAIT = 0.2  # how long a chunk may lie unread before the next one is sent anyway
IDLE = 0.2  # a peer that has sent nothing for this long has sent all it will
SMALL_BUFFER = (
    64 * 2**10
)  # a student socket's send buffer: one send() of a large message is partial
PREFIX = struct.Struct("!I")


def frame(payload: bytes) -> bytes:
    """A length-prefixed message: the 4-byte big-endian length, then the payload."""
    return PREFIX.pack(len(payload)) + payload


class _StudentSocket(socket.socket):
    """A plain TCP socket that shows as ``sock`` in messages, as the exercises call it."""

    def __repr__(self) -> str:
        return "sock"


def connected_pair() -> tuple[socket.socket, socket.socket]:
    """Two ends of a real TCP connection on loopback: the student's end, and ours.

    Both have a timeout, so no recv() waits forever; the student's has a small
    send buffer, so that one send() of a large message takes only part of it.
    """
    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection(listener.getsockname()) as plain:
            theirs = _StudentSocket(fileno=plain.detach())
        accepted, _ = listener.accept()
        ours = _StudentSocket(fileno=accepted.detach())
    theirs.settimeout(SOCKET_TIMEOUT)
    theirs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)
    ours.settimeout(SOCKET_TIMEOUT)
    return theirs, ours


def fed(*chunks: bytes) -> socket.socket:
    """A connected socket whose peer sends ``chunks`` one by one, then closes.

    Each chunk is sent only once the one before has been read (or, where that
    cannot be seen, a moment later), so a single recv() sees a single chunk.
    """
    theirs, ours = connected_pair()
    threading.Thread(target=_feed, args=(ours, theirs, chunks), daemon=True).start()
    return theirs


def _feed(ours: socket.socket, theirs: socket.socket, chunks: tuple[bytes, ...]) -> None:
    with ours, contextlib.suppress(OSError):
        for i, chunk in enumerate(chunks):
            if i:
                _wait_until_read(theirs)
            ours.sendall(chunk)


def _wait_until_read(sock: socket.socket) -> None:
    deadline = time.monotonic() + FEED_WAIT
    while time.monotonic() < deadline and _unread(sock) != 0:
        time.sleep(0.002)


def _unread(sock: socket.socket) -> int | None:
    """Bytes waiting in the socket's receive queue, or None where that cannot be asked."""
    if sys.platform == "win32":
        return None
    import fcntl
    import termios

    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0" * 4))[0]
    except (OSError, ValueError):
        return 0


def wire(send_message: Callable[[socket.socket, bytes], None], payload: bytes) -> bytes:
    """The bytes ``send_message(sock, payload)`` puts on the wire (for hidden tests)."""
    theirs, ours = connected_pair()
    with theirs, ours:
        sending = Background(send_message, theirs, payload, name="send_message")
        data = read_all_until(ours, len(payload) + PREFIX.size, sending)
    if sending.error is not None:
        raise CheckFailure(f"send_message(sock, payload) raised {sending.describe_error()}")
    return data


def read_all(sock: socket.socket, limit: int) -> bytes:
    """What the peer sends until it pauses for IDLE seconds (or ``limit`` bytes)."""
    data = bytearray()
    sock.settimeout(IDLE)
    with contextlib.suppress(OSError):
        while len(data) < limit and (chunk := sock.recv(65536)):
            data += chunk
    return bytes(data)


def read_all_until(sock: socket.socket, limit: int, sender: Background) -> bytes:
    """Read while ``sender`` sends, until ``limit`` bytes, or it is done and the line is quiet."""
    data = bytearray()
    sock.settimeout(IDLE)
    deadline = time.monotonic() + CALL_DEADLINE
    while len(data) < limit and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            if sender.finished:
                break
            continue
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    if isinstance(sender.error, NotImplementedError):
        raise not_attempted("send_message(sock, payload)")
    return bytes(data)


# --- a server's sockets, with the short sends POSIX allows --------------------------------

_DONT_WAIT = getattr(socket, "MSG_DONTWAIT", 0)
SHORT_SEND = 16 * 2**10  # where MSG_DONTWAIT is missing (Windows): the most one send() takes


class _ShortSendConnection(socket.socket):
    """An accepted connection whose blocking ``send()`` takes what fits and returns."""

    __module__, __qualname__ = "socket", "socket"  # shows, and warns, as a plain socket

    def send(self, data: bytes, flags: int = 0) -> int:  # type: ignore[override]
        if self.gettimeout() is not None:  # a timeout or non-blocking: CPython is short already
            return super().send(data, flags)
        if not _DONT_WAIT:
            return super().send(memoryview(data)[:SHORT_SEND], flags)
        while True:
            try:
                return super().send(data, flags | _DONT_WAIT)
            except BlockingIOError:
                _wait_writable(self)


def _wait_writable(sock: socket.socket) -> None:
    """Block until the kernel will take more data (or the socket fails)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLOUT)
        poller.poll()
    else:
        select.select([], [sock], [sock])


class _ShortSendListener(socket.socket):
    """A listening socket whose accepted connections are :class:`_ShortSendConnection`\\ s."""

    __module__, __qualname__ = "socket", "socket"

    def accept(self) -> tuple[socket.socket, object]:
        fd, address = self._accept()  # type: ignore[attr-defined]
        conn = _ShortSendConnection(self.family, self.type, self.proto, fileno=fd)
        if socket.getdefaulttimeout() is None and self.gettimeout():
            conn.setblocking(True)  # as socket.accept() does
        return conn, address


def short_send_listener(listener: socket.socket) -> socket.socket:
    """``listener`` (its descriptor taken over) as a listener of short-send connections."""
    return _ShortSendListener(listener.family, listener.type, listener.proto, listener.detach())


def _rebuild(df: reduction.DupFd, listening: bool, family: int, kind: int, proto: int):
    cls = _ShortSendListener if listening else _ShortSendConnection
    return cls(family, kind, proto, fileno=df.detach())


def _reduce(sock: socket.socket) -> tuple:
    listening = isinstance(sock, _ShortSendListener)
    return _rebuild, (reduction.DupFd(sock.fileno()), listening, sock.family, sock.type, sock.proto)


# A worker process of a pool server gets these sockets as they are.
reduction.register(_ShortSendConnection, _reduce)
reduction.register(_ShortSendListener, _reduce)
