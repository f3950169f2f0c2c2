"""Checks for notebook 03's warm-up: ``drain(sock) -> tuple[bytes, bool]``.

The exercise: read everything that has already arrived on a non-blocking
socket, without waiting for more, and say whether the peer has finished
sending. ``recv()`` on a non-blocking socket has three outcomes, and drain
must tell them apart: bytes (keep reading), ``b''`` (the end of the stream:
stop, ``ended`` is True) and ``BlockingIOError`` (nothing more has arrived
yet: stop, ``ended`` is False). It is what an edge-triggered reader must do
on every event, and what a non-blocking server may do on each one.

The sockets come from :func:`arrived`, which hidden tests use too
(``nc.nonblocking.arrived``)::

    sock = nc.nonblocking.arrived(b"he", b"llo")             # both pieces are there
    nc.checks.expect_returns(drain, (sock,), (b"hello", False), "...")
"""

from __future__ import annotations

import contextlib
import random
import socket
from collections.abc import Callable, Iterable
from typing import Any

import psutil

from .harness.capture import Background, wait_until
from .harness.core import CheckFailure, Checklist, Report, SkipCheck, not_attempted, short_repr

Drain = Callable[[socket.socket], tuple[bytes, bool]]
CHECKS: Checklist[Drain] = Checklist("drain")

DEADLINE = 2.0  # drain returns at once: nothing it does should take a tenth of this
ARRIVAL_WAIT = 5.0  # bytes sent on loopback arrive within microseconds; a loaded machine is slower
RECEIVE_BUFFER = 2**20  # room for every byte a check sends before anyone reads
PIECES = (40_000, 50_000, 60_000)  # more than any one recv(65536) returns
LABEL = "drain(sock)"

CATCH = (
    "on a non-blocking socket recv() raises BlockingIOError when nothing more has arrived: "
    "catch it, and return what you have read so far with ended=False"
)
READ_ON = (
    "one recv() returns at most its bufsize, and the rest waits in the socket: call recv() "
    "again until it raises BlockingIOError (nothing more yet) or returns b'' (the end)"
)
AT_THE_END = (
    "recv() returning b'' means the peer has finished sending, for good (calling it again "
    "returns b'' again): stop there and return (data, True)"
)


class _Arrived(socket.socket):
    """The student's end of a loopback connection; closing it closes the peer's end too."""

    peer: socket.socket | None = None

    def __repr__(self) -> str:
        return "sock"

    def close(self) -> None:
        if self.peer is not None:
            self.peer.close()
        super().close()

    def __del__(self) -> None:
        # Made for one test and dropped after it (hidden tests pass them straight to
        # expect_returns): close quietly, so that no ResourceWarning lands in a later check.
        self.close()


def arrived(*chunks: bytes, eof: bool = False) -> socket.socket:
    """A non-blocking TCP socket on which ``chunks`` have already arrived, all of them.

    The peer sends the chunks (and with ``eof=True`` then shuts down its
    sending side, so ``recv()`` ends with ``b''``); this returns only once
    every byte, and the end of the stream, are in the socket's receive buffer.
    The peer sends nothing more, and stays open until the socket is closed.
    """
    total = sum(map(len, chunks))
    if total > RECEIVE_BUFFER // 2:
        raise ValueError(f"at most {RECEIVE_BUFFER // 2} bytes fit in the receive buffer")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sock = _Arrived(socket.AF_INET, socket.SOCK_STREAM)
        # Before connect(), so that TCP's window is sized for it from the start.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.settimeout(ARRIVAL_WAIT)
        sock.connect(listener.getsockname())
        peer, _ = listener.accept()
    sock.peer = peer
    peer.settimeout(ARRIVAL_WAIT)
    for chunk in chunks:
        peer.sendall(chunk)
    if eof:
        peer.shutdown(socket.SHUT_WR)
    if total or eof:
        _wait_for_bytes(sock, total)
    if eof and total:
        _wait_for_end(sock)
    sock.setblocking(False)
    return sock


def _wait_for_bytes(sock: socket.socket, total: int) -> None:
    """Peek (read without taking) until ``total`` bytes, or the end of an empty stream, are in."""
    while True:
        seen = len(sock.recv(total or 1, socket.MSG_PEEK))
        if seen >= total:
            return


def _wait_for_end(sock: socket.socket) -> None:
    """Wait until the peer's FIN has arrived behind the data: the socket is then in CLOSE_WAIT."""
    here, there = sock.getsockname()[:2], sock.getpeername()[:2]

    def ended() -> bool:
        return any(
            c.status == psutil.CONN_CLOSE_WAIT and c.laddr == here and c.raddr == there
            for c in psutil.Process().net_connections("tcp")
        )

    if not wait_until(ended, ARRIVAL_WAIT):
        raise RuntimeError("the peer's end of stream did not arrive on loopback")


def _call(drain: Drain, sock: socket.socket, peer_open: bool) -> Any:
    """Call drain(sock) with a deadline and return what it returned.

    A call that raises BlockingIOError, or that waits while the peer is still
    open, is ``would-block``'s fault: elsewhere the check is skipped.
    """
    call = Background(drain, sock, name="drain")
    if not call.join(DEADLINE):
        _wake(sock)
        if peer_open:
            raise SkipCheck("drain(sock) waited although bytes were there: see would-block")
        raise CheckFailure(
            f"{LABEL} did not return within {DEADLINE:g} s after the peer had finished "
            f"sending: {AT_THE_END}"
        )
    if isinstance(call.error, NotImplementedError):
        raise not_attempted(LABEL)
    if isinstance(call.error, BlockingIOError):
        raise SkipCheck("drain(sock) raised BlockingIOError: see would-block")
    if call.error is not None:
        raise CheckFailure(f"{LABEL} raised {call.describe_error()}")
    return call.result


def _wake(sock: socket.socket) -> None:
    """End a call that hangs: shutdown() wakes a recv() blocked in it, close() fails the next."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _drained(drain: Drain, sock: socket.socket, peer_open: bool) -> tuple[bytes, bool]:
    """drain(sock) as ``(data, ended)``; a result of another shape is ``returns-bytes``' fault."""
    result = _call(drain, sock, peer_open)
    if not _shaped(result):
        raise SkipCheck(f"drain(sock) returned {short_repr(result, 40)}: see returns-bytes")
    return bytes(result[0]), result[1]


def _shaped(result: Any) -> bool:
    return (
        isinstance(result, tuple | list)
        and len(result) == 2
        and isinstance(result[0], bytes | bytearray)
        and isinstance(result[1], bool)
    )


def _payload(size: int, what: str) -> bytes:
    return random.Random(what).randbytes(size)


@CHECKS.check("returns-bytes")
def _returns_bytes(drain: Drain) -> None:
    with arrived(b"hello") as sock:
        result = _call(drain, sock, peer_open=True)
    if isinstance(result, tuple) and len(result) == 2 and type(result[0]) is bytes:
        if isinstance(result[1], bool):
            return
        raise CheckFailure(
            f"{LABEL} returned {short_repr(result, 40)}: the second item says whether the "
            "stream has ended, True or False (a bool)"
        )
    if isinstance(result, bytes | bytearray | str):
        raise CheckFailure(
            f"{LABEL} returned {short_repr(result, 40)} alone: return a pair, (data, ended), "
            "so that the caller also learns whether the peer has finished sending"
        )
    if isinstance(result, list) and len(result) == 2:
        raise CheckFailure(
            f"{LABEL} returned a list, {short_repr(result, 40)}: return a tuple, (data, ended)"
        )
    if isinstance(result, tuple) and len(result) == 2:
        first = type(result[0]).__name__
        raise CheckFailure(
            f"{LABEL} returned a tuple whose data is a {first}: return (data, ended) whose "
            "data is bytes (b''.join(chunks), or bytes(buffer))"
        )
    raise CheckFailure(f"{LABEL} returned {short_repr(result, 40)}; return (data, ended)")


@CHECKS.check("would-block")
def _would_block(drain: Drain) -> None:
    with arrived() as sock:
        call = Background(drain, sock, name="drain")
        if not call.join(DEADLINE):
            _wake(sock)
            raise CheckFailure(
                f"{LABEL} did not return within {DEADLINE:g} s on a socket with nothing to "
                "read: it waited for data. drain must never wait: leave the socket "
                "non-blocking (no setblocking(True)) and catch BlockingIOError, which means "
                "that nothing more has arrived yet"
            )
    if isinstance(call.error, NotImplementedError):
        raise not_attempted(LABEL)
    if isinstance(call.error, BlockingIOError):
        raise CheckFailure(f"{LABEL} raised BlockingIOError with nothing to read: {CATCH}")
    if call.error is not None:
        raise CheckFailure(f"{LABEL} raised {call.describe_error()} with nothing to read")
    if not _shaped(call.result):
        raise SkipCheck(f"drain(sock) returned {short_repr(call.result, 40)}: see returns-bytes")
    data, ended = call.result
    if ended:
        raise CheckFailure(
            f"{LABEL} returned ended=True while the peer was still connected: "
            "BlockingIOError means 'nothing yet', only b'' means 'the end'"
        )
    if data:
        raise CheckFailure(f"{LABEL} returned {short_repr(data)} when nothing had arrived")


@CHECKS.check("everything")
def _everything(drain: Drain) -> None:
    chunks = [_payload(size, f"everything {i}") for i, size in enumerate(PIECES)]
    expected = b"".join(chunks)
    with arrived(*chunks) as sock:
        data, _ = _drained(drain, sock, peer_open=True)  # would-block judges `ended` here
    if data == expected:
        return
    if expected.startswith(data):
        raise CheckFailure(
            f"{LABEL} returned only some of the bytes that had arrived: {READ_ON} (it returned "
            f"{len(data)} of {len(expected)} bytes, which had arrived in pieces of "
            f"{', '.join(map(str, PIECES))} bytes)"
        )
    raise CheckFailure(
        f"{LABEL} returned bytes other than those that had arrived: return every byte, "
        f"unchanged and in order (it returned {len(data)} bytes; {len(expected)} had arrived)"
    )


@CHECKS.check("end-of-stream")
def _end_of_stream(drain: Drain) -> None:
    for chunks, what in (((), "nothing"), ((b"last words",), "b'last words'")):
        with arrived(*chunks, eof=True) as sock:
            data, ended = _drained(drain, sock, peer_open=False)
        expected = b"".join(chunks)
        situation = f"the peer sent {what}, then shut down its sending side"
        if not ended:
            raise CheckFailure(
                f"{LABEL} returned ended=False at the end of the stream: {AT_THE_END} "
                f"(when {situation})"
            )
        if data != expected:
            raise CheckFailure(
                f"{LABEL} returned the wrong bytes at the end of the stream: the bytes read "
                "before the end are data too; return them with ended=True (it returned "
                f"{short_repr(data)} when {situation})"
            )


@CHECKS.check("stays-non-blocking")
def _stays_non_blocking(drain: Drain) -> None:
    with arrived(b"hello") as sock:
        _drained(drain, sock, peer_open=True)
        if sock.fileno() == -1:
            raise CheckFailure(
                f"{LABEL} closed the socket: it belongs to the caller, who may read again "
                "or send on it; drain only reads"
            )
        timeout = sock.gettimeout()
    if timeout != 0.0:
        mode = "blocking" if timeout is None else f"timeout {timeout:g} s"
        raise CheckFailure(
            f"{LABEL} left the socket in {mode} mode: drain must leave it non-blocking, as "
            "it found it (no setblocking(True), no settimeout()), or the caller's next "
            "recv() will wait"
        )


def check_drain(drain: Drain, only: Iterable[str] | None = None) -> Report:
    """Run the warm-up's visible checks on a student's ``drain``."""
    return CHECKS.run("drain", drain, only)
