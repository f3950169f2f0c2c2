"""Checks for notebook 02's framing exercises.

    recv_exactly(sock, n) -> bytes       exactly n bytes, however they arrive; EOFError if
                                         the stream ends first
    send_message(sock, payload) -> None  a 4-byte unsigned big-endian length, then the payload
    recv_message(sock) -> bytes          one whole message; EOFError if the stream ends first

Every call runs with a deadline, so an answer that loops forever fails one
check instead of hanging the cell. The sockets come from ``nc.framing.fed``,
which hidden tests use too::

    nc.checks.expect_returns(recv_exactly, (nc.framing.fed(b"ab", b"c"), 3), b"abc", "...")
"""

from __future__ import annotations

import random
import socket
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .harness.capture import Background
from .harness.core import (
    CheckFailure,
    Checklist,
    NotAttempted,
    OtherFault,
    Report,
    describe_call,
    fault_of,
    not_attempted,
)
from .harness.sockets import (
    CALL_DEADLINE,
    SOCKET_TIMEOUT,
    connected_pair,
    fed,
    frame,
    read_all,
    read_all_until,
)

LARGE = 2**20 + 7

RECV_LOOP = (
    "one recv() returns what has arrived so far, up to its bufsize: call recv() again, "
    "for the bytes still missing, until you have all n"
)
READ_LESS = (
    "ask recv() for at most the bytes still missing (recv(n - len(data))), so that bytes "
    "meant for the next call stay in the socket"
)
EOF_ADVICE = (
    "recv() returns b'' when the other side has closed and will keep doing so: raise EOFError then"
)


def call(function: Callable[..., Any], *args: Any, name: str, sockets=()) -> Background:
    """Run student code with a deadline; a stub is not attempted, a hang a failure."""
    label = describe_call(name, args)
    run = Background(function, *args, name=name)
    if not run.join(CALL_DEADLINE):
        for sock in sockets:
            sock.close()  # makes a loop of recv() calls fail, so that the thread ends
        raise CheckFailure(f"{label} did not return within {CALL_DEADLINE:g} s")
    if isinstance(run.error, NotImplementedError):
        raise not_attempted(label)
    return run


def _returned(
    function: Callable[..., Any],
    args: tuple,
    name: str,
    expected: bytes,
    about: str,
    *,
    types: str = "",
    short: str = "",
) -> None:
    """Fail unless the call returns ``expected``; ``about`` says what the data was.

    ``types`` names the check that judges the type of the result, ``short`` the one that
    judges a result cut short (a single recv()): a fault of that kind is theirs.
    """
    label = describe_call(name, args)
    run = call(
        function, *args, name=name, sockets=[a for a in args if isinstance(a, socket.socket)]
    )
    if run.error is not None:
        hint = (
            f"; it waited for bytes that were never sent: {READ_LESS}"
            if isinstance(run.error, TimeoutError)
            else ""
        )
        raise CheckFailure(f"{label} raised {run.describe_error()}{hint}")
    result = run.result
    wrong_type = ""
    if isinstance(result, str):
        wrong_type = f"{label} returned a str: sockets carry bytes, return bytes"
    elif isinstance(result, bytearray | memoryview):
        wrong_type = f"{label} returned a {type(result).__name__}: return bytes (bytes(buffer))"
    elif not isinstance(result, bytes):
        wrong_type = f"{label} returned {type(result).__name__}, not bytes"
    if wrong_type:
        raise fault_of(types, wrong_type) if types else CheckFailure(wrong_type)
    if result == expected:
        return
    if len(result) < len(expected) and expected.startswith(result):
        message = f"{label} returned only {len(result)} of {len(expected)} bytes"
        if short:
            raise fault_of(short, f"{message}: {RECV_LOOP}")
        raise CheckFailure(message)
    if len(result) <= 24 and len(expected) <= 24:
        shown = f"{_short(result)} ({len(result)} bytes)"
    else:
        shown = (
            f"{len(result)} other bytes" if len(result) == len(expected) else f"{len(result)} bytes"
        )
    about += f" ({len(expected)} bytes)"
    raise CheckFailure(f"{label} returned {shown} when {about}")


def _short(data: bytes) -> str:
    return repr(data) if len(data) <= 16 else repr(data[:16]) + "..."


def _raises_eof(function: Callable[..., Any], args: tuple, name: str, what: str) -> None:
    """Fail unless the call raises EOFError. A reader that does not loop on recv() cannot be
    judged at the end of the stream: if in-pieces failed, this points there."""
    label = describe_call(name, args)
    sockets = [a for a in args if isinstance(a, socket.socket)]
    try:
        run = call(function, *args, name=name, sockets=sockets)
    except NotAttempted:
        raise
    except CheckFailure as exc:
        if "did not return" in str(exc):
            raise fault_of(
                "in-pieces",
                f"{label} did not return after {what}: {EOF_ADVICE} (waited {CALL_DEADLINE:g} s)",
            ) from None
        raise
    if isinstance(run.error, EOFError):
        return
    if run.error is not None:
        raise fault_of(
            "in-pieces", f"{label} raised {run.describe_error()} after {what}: {EOF_ADVICE}"
        )
    raise fault_of("in-pieces", f"{label} returned {_short(run.result)} after {what}: {EOF_ADVICE}")


# --- recv_exactly -------------------------------------------------------------

RecvExactly = Callable[[socket.socket, int], bytes]
RECV_EXACTLY_CHECKS: Checklist[RecvExactly] = Checklist("recv_exactly")
PIECES = (b"he", b"llo", b", wo", b"rld")


@RECV_EXACTLY_CHECKS.check("whole")
def _whole(recv_exactly: RecvExactly) -> None:
    _returned(recv_exactly, (fed(b"hello"), 5), "recv_exactly", b"hello", "b'hello' had arrived")


@RECV_EXACTLY_CHECKS.check("in-pieces")
def _in_pieces(recv_exactly: RecvExactly) -> None:
    try:
        _returned(
            recv_exactly,
            (fed(*PIECES), 12),
            "recv_exactly",
            b"hello, world",
            "asked for 12",
            types="whole",
        )
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise CheckFailure(f"{exc}; the bytes arrived in pieces {PIECES!r}: {RECV_LOOP}") from None


@RECV_EXACTLY_CHECKS.check("leaves-the-rest")
def _leaves_the_rest(recv_exactly: RecvExactly) -> None:
    """The bytes asked for arrive in two pieces, the second running on into the next
    call's: a loop that asks recv() for n bytes each time takes some of those too."""
    sock = fed(b"hel", b"lo world, and more")
    try:
        for n, expected, about in (
            (5, b"hello", "asked for 5"),
            (6, b" world", "asked for 6 more"),
        ):
            _returned(
                recv_exactly,
                (sock, n),
                "recv_exactly",
                expected,
                about,
                types="whole",
                short="in-pieces",
            )
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise CheckFailure(
            f"{exc}. b'hel', then b'lo world, and more' arrived: {READ_LESS}"
        ) from None


@RECV_EXACTLY_CHECKS.check("large")
def _recv_large(recv_exactly: RecvExactly) -> None:
    big = random.Random("recv_exactly").randbytes(LARGE)
    _returned(
        recv_exactly,
        (fed(big), LARGE),
        "recv_exactly",
        big,
        f"asked for {LARGE}",
        types="whole",
        short="in-pieces",
    )


@RECV_EXACTLY_CHECKS.check("end-of-stream")
def _recv_end_of_stream(recv_exactly: RecvExactly) -> None:
    _raises_eof(recv_exactly, (fed(b"abc"), 10), "recv_exactly", "the peer sent b'abc' and closed")


def check_recv_exactly(recv_exactly: RecvExactly, only: Iterable[str] | None = None) -> Report:
    """Run the visible checks of ``recv_exactly(sock, n)``."""
    return RECV_EXACTLY_CHECKS.run("recv_exactly", recv_exactly, only)


# --- length-prefixed messages -------------------------------------------------


@dataclass(frozen=True)
class Messages:
    """The two functions of the length-prefixed exercise, checked together."""

    send_message: Callable[[socket.socket, bytes], None]
    recv_message: Callable[[socket.socket], bytes]


MESSAGE_CHECKS: Checklist[Messages] = Checklist("length-prefixed messages")
PAYLOADS = [b"one", b"", bytes(range(256)), b"x" * 1000]


LITTLE_ENDIAN = "the length must be big-endian (network byte order): struct.pack('!I', n)"


def _reads_little_endian(recv_message: Callable[[socket.socket], bytes]) -> bool:
    """Whether recv_message reads a length written little-endian: then the messages it got
    wrong were wire-format's fault (the byte order), not this check's."""
    run = call(recv_message, fed(struct.pack("<I", 3) + b"abcdef"), name="recv_message")
    return run.error is None and run.result == b"abc"


def _received(m: Messages, chunks: tuple[bytes, ...], expected: bytes, about: str) -> None:
    """recv_message on a socket fed ``chunks`` must return ``expected``: a reader of
    little-endian lengths is wire-format's fault, one that cuts a message short in-pieces'."""
    try:
        _returned(
            m.recv_message, (fed(*chunks),), "recv_message", expected, about, short="in-pieces"
        )
    except NotAttempted:
        raise
    except CheckFailure as exc:
        if _reads_little_endian(m.recv_message):
            raise fault_of("wire-format", f"{exc}: {LITTLE_ENDIAN}") from None
        raise


@MESSAGE_CHECKS.check("wire-format")
def _messages_wire_format(m: Messages) -> None:
    theirs, ours = connected_pair()
    with theirs, ours:
        run = call(m.send_message, theirs, b"hi", name="send_message", sockets=[theirs])
        if run.error is not None:
            raise CheckFailure(f"send_message(sock, b'hi') raised {run.describe_error()}")
        wire = read_all(ours, 64)
    expected = frame(b"hi")
    if wire == expected:
        return
    if wire == struct.pack("<I", 2) + b"hi":
        advice = LITTLE_ENDIAN
    elif wire.endswith(b"hi") and len(wire) != 6:
        advice = f"the length takes exactly 4 bytes, here {len(wire) - 2}: struct.pack('!I', n)"
    else:
        advice = "send the 4-byte length, struct.pack('!I', len(payload)), then the payload"
    raise CheckFailure(
        f"send_message(sock, b'hi') put {wire!r} on the wire: {advice}; expected {expected!r}"
    )


@MESSAGE_CHECKS.check("round-trip")
def _messages_round_trip(m: Messages) -> None:
    """Several messages through send_message and recv_message. Where they disagree, the
    fault is usually one that a check of its own names: this points there."""
    theirs, ours = connected_pair()
    with theirs, ours:
        ours.settimeout(SOCKET_TIMEOUT)
        for payload in PAYLOADS:
            run = call(m.send_message, theirs, payload, name="send_message", sockets=[theirs])
            if run.error is not None:
                raise CheckFailure(
                    f"{describe_call('send_message', (theirs, payload))} raised "
                    f"{run.describe_error()}"
                )
        for number, payload in enumerate(PAYLOADS, 1):
            try:
                _returned(
                    m.recv_message,
                    (ours,),
                    "recv_message",
                    payload,
                    f"message {number} of {len(PAYLOADS)} was sent",
                )
            except NotAttempted:
                raise
            except CheckFailure as exc:
                owners = ("wire-format", "back-to-back", "in-pieces")
                raise OtherFault(owners, str(exc)) from None


@MESSAGE_CHECKS.check("in-pieces")
def _messages_in_pieces(m: Messages) -> None:
    chunks = (b"\x00\x00", b"\x00\x05he", b"llo")
    try:
        _received(m, chunks, b"hello", "b'hello' was sent")
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise CheckFailure(
            f"{exc}; the message arrived in pieces {chunks!r}, the length itself split: read "
            "the 4 bytes of the length, then exactly that many bytes (with recv_exactly)"
        ) from None


@MESSAGE_CHECKS.check("back-to-back")
def _messages_back_to_back(m: Messages) -> None:
    sock = fed(frame(b"one") + frame(b"two"))
    try:
        _returned(m.recv_message, (sock,), "recv_message", b"one", "b'one' came first")
        _returned(m.recv_message, (sock,), "recv_message", b"two", "b'two' came next")
    except NotAttempted:
        raise
    except CheckFailure as exc:
        if _reads_little_endian(m.recv_message):
            raise fault_of("wire-format", f"{exc}: {LITTLE_ENDIAN}") from None
        raise CheckFailure(
            f"{exc}: two messages arrived together; read exactly the length, then exactly the "
            "payload, and nothing more"
        ) from None


@MESSAGE_CHECKS.check("large")
def _messages_large(m: Messages) -> None:
    big = random.Random("length-prefixed").randbytes(LARGE)
    _received(m, (frame(big),), big, f"{LARGE} bytes were sent")
    theirs, ours = connected_pair()
    with theirs, ours:
        sending = Background(m.send_message, theirs, big, name="send_message")
        ours.settimeout(SOCKET_TIMEOUT)
        wire = read_all_until(ours, len(big) + 4, sending)
    if wire == struct.pack("<I", LARGE) + big:
        raise fault_of(
            "wire-format", f"send_message wrote the length little-endian: {LITTLE_ENDIAN}"
        )
    if wire != frame(big):
        raise CheckFailure(
            f"send_message(sock, <{LARGE} bytes>) put {len(wire)} bytes on the wire, not "
            f"{LARGE + 4}: send() may take only part of the data (it returns how many bytes "
            "it took); use sendall()"
        )


@MESSAGE_CHECKS.check("end-of-stream")
def _messages_end_of_stream(m: Messages) -> None:
    _raises_eof(m.recv_message, (fed(),), "recv_message", "the peer closed without sending")
    _raises_eof(
        m.recv_message,
        (fed(b"\x00\x00\x00\x0aabc"),),
        "recv_message",
        "the peer sent a length of 10 and 3 bytes, then closed",
    )


def check_length_prefixed(
    send_message: Callable[[socket.socket, bytes], None],
    recv_message: Callable[[socket.socket], bytes],
    only: Iterable[str] | None = None,
) -> Report:
    """Run the visible checks of ``send_message(sock, payload)`` and ``recv_message(sock)``."""
    return MESSAGE_CHECKS.run(
        "length-prefixed messages", Messages(send_message, recv_message), only
    )
