"""The UDP echo-server checker: the TCP contract, for datagrams.

The checker binds a UDP socket to 127.0.0.1 with an ephemeral port and calls
``serve(sock, stop)`` in a thread of its own; ``stop`` is a
``threading.Event``. The server answers every datagram with a datagram of
the very same bytes, sent to the address ``recvfrom()`` returned with it,
until it is told to stop; then it returns. Right after setting ``stop`` the
checker sends one empty datagram, so that a server waiting in
``recvfrom()`` wakes up to see it (an empty datagram is still a datagram:
UDP has no end of stream). ``boundaries`` comes first: its datagrams are
already waiting on the socket when ``serve`` is first called, so a server that
reads all that waits and answers it in one reply is caught whatever the load.

    report = nc.checks.echo.check_udp_server(serve_udp)
"""

from __future__ import annotations

import itertools
import random
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..harness.core import CheckFailure, Checklist, NotAttempted, Report, fault_of
from ..harness.server import UDP, Server
from ..harness.sessions import run_server_checks
from .client import PATIENCE, TICK, preview
from .probes import left_behind

# macOS refuses to send datagrams over 9216 bytes unless told otherwise; this is well above
# the 1024 or 4096 bytes a server's recvfrom() buffer is often given.
LARGE = 8000
MAX_PORTABLE_DATAGRAM = 9000
MAX_DATAGRAM = 65535
STOP_PATIENCE = 3.0
STRAY_PATIENCE = 0.1  # how long to wait for a reply that should not come
WAITING = (b"one", b"two two", b"three three three")  # boundaries' datagrams

TRUNCATED = (
    "recvfrom(bufsize) returns at most bufsize bytes of a datagram and the rest is lost: "
    f"give it {MAX_DATAGRAM}, the most a UDP datagram can carry"
)
SEND_BACK = "send each reply with sock.sendto(data, address), to the address recvfrom() returned"


class _Client:
    """A UDP client socket: it sends datagrams to a server and collects the replies."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(TICK)

    def send(self, server: Server, *datagrams: bytes) -> None:
        self.send_to(server.address, *datagrams)

    def send_to(self, address: tuple[str, int], *datagrams: bytes) -> None:
        for datagram in datagrams:
            self.sock.sendto(datagram, address)

    def replies(self, server: Server, expected: int, patience: float = PATIENCE) -> list[bytes]:
        """Up to ``expected`` replies, waiting at most ``patience`` seconds for each."""
        found: list[bytes] = []
        deadline = time.monotonic() + patience
        while len(found) < expected and time.monotonic() < deadline:
            server.check_running()
            try:
                data, _ = self.sock.recvfrom(MAX_DATAGRAM)
            except OSError:  # a timeout, or (Windows) an unreachable port reported late
                continue
            found.append(data)
            deadline = time.monotonic() + patience
        return found

    def drain(self) -> None:
        """Drop replies that arrived late for an earlier check."""
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recvfrom(MAX_DATAGRAM)
        except OSError:
            pass
        finally:
            self.sock.settimeout(TICK)

    def close(self) -> None:
        self.sock.close()


@dataclass(frozen=True)
class UdpTrial:
    """What a UDP check is run on: the server, the client that talks to it in every check
    (``two-clients`` adds a second, as a conversation with one client would go), and the
    size and seed of the large datagram."""

    server: Server
    client: _Client
    large: int
    seed: int


CHECKS: Checklist[UdpTrial] = Checklist("UDP echo")


def _one_reply(trial: UdpTrial, message: bytes, what: str, why: str = "") -> bytes:
    """The one reply to ``message`` (more is a failure too); ``why`` explains none."""
    server = trial.server
    trial.client.drain()
    trial.client.send(server, message)
    try:
        replies = trial.client.replies(server, 1)
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise CheckFailure(f"{exc}{why}") from None
    if not replies:
        raise CheckFailure(
            f"sent {what} and no reply came within {PATIENCE:g} s: answer each datagram "
            f"from recvfrom() at once; {SEND_BACK}{why}"
        )
    more = trial.client.replies(server, 1, STRAY_PATIENCE)
    if more:
        raise fault_of("short", _extra(more[0], what))
    return replies[0]


def _extra(datagram: bytes, what: str) -> str:
    """More replies than datagrams sent: short's fault, wherever it shows."""
    return (
        f"an extra datagram, {preview(datagram, 8)}, came after the echo: answer each "
        f"datagram with exactly one datagram (this was {what})"
    )


def _without_extras(
    replies: list[bytes], expected: list[bytes], sent: list[bytes], what: str
) -> list[bytes]:
    """``replies``; if they hold every ``expected`` echo and also datagrams that echo
    nothing ``sent``, those extra ones are short's fault."""
    echoes = [r for r in replies if r in expected]
    extras = [r for r in replies if r not in sent]
    if sorted(echoes) == sorted(expected) and extras:
        raise fault_of("short", _extra(extras[0], what))
    return replies


@CHECKS.check("boundaries")
def boundaries(trial: UdpTrial) -> None:
    server, sent = trial.server, list(WAITING)  # waiting since before serve() was called
    replies = trial.client.replies(server, len(sent))
    replies += trial.client.replies(server, 2 * len(sent), STRAY_PATIENCE)
    if sorted(_without_extras(replies, sent, sent, "three datagrams")) != sorted(sent):
        raise CheckFailure(
            f"{len(sent)} datagrams waiting to be read came back as {len(replies)}: each "
            "datagram is a message of its own, so answer each one with exactly its bytes; "
            f"sent {sent!r}, got back {replies!r}"
        )


@CHECKS.check("short")
def short(trial: UdpTrial) -> None:
    message = b"hello, udp"
    reply = _one_reply(trial, message, f"the datagram {message!r}")
    if reply != message:
        raise CheckFailure(f"sent {message!r} and got back {reply!r}: an echo is the same bytes")


@CHECKS.check("binary")
def binary(trial: UdpTrial) -> None:
    message = bytes(range(256))
    reply = _one_reply(trial, message, "a datagram of all 256 byte values")
    if reply != message:
        raise CheckFailure(
            f"a datagram of all 256 byte values came back changed ({len(reply)} bytes): echo "
            f"the bytes as received, without decoding them to text; it began {preview(reply)}"
        )


@CHECKS.check("empty")
def empty(trial: UdpTrial) -> None:
    why = (
        ". An empty datagram is a datagram like any other: with UDP, recvfrom() returning "
        "b'' does not mean that the client has finished"
    )
    reply = _one_reply(trial, b"", "an empty datagram", why)
    if reply:
        raise CheckFailure(f"sent an empty datagram and got back {preview(reply)}")


@CHECKS.check("large")
def large(trial: UdpTrial) -> None:
    size = trial.large
    message = random.Random(f"udp-large/{trial.seed}").randbytes(size)
    reply = _one_reply(trial, message, f"a datagram of {size} bytes")
    if len(reply) < size and message.startswith(reply):
        raise CheckFailure(f"a datagram of {size} bytes came back as {len(reply)}: {TRUNCATED}")
    if reply != message:
        # Bytes changed on the way back are binary's fault (decoding them, say).
        raise fault_of(
            "binary", f"a datagram of {size} bytes came back changed: echo the bytes as received"
        )


@CHECKS.check("two-clients")
def two_clients(trial: UdpTrial) -> None:
    server = trial.server
    first, second = trial.client, _Client()
    first.drain()
    try:
        first.send(server, b"from the first")
        got_first = first.replies(server, 1)
        second.send(server, b"from the second")
        got_second = second.replies(server, 1)
        first.send(server, b"the first again")
        got_first += first.replies(server, 1)
        got_first += first.replies(server, 1, STRAY_PATIENCE)
        got_second += second.replies(server, 1, STRAY_PATIENCE)
    finally:
        second.close()
    sent = [b"from the first", b"from the second", b"the first again"]
    got_first = _without_extras(got_first, [sent[0], sent[2]], sent, "two clients")
    got_second = _without_extras(got_second, [sent[1]], sent, "two clients")
    if got_first != [b"from the first", b"the first again"] or got_second != [b"from the second"]:
        raise CheckFailure(
            f"two clients took turns: the first got back {got_first!r} and the second "
            f"{got_second!r}, and each should get exactly its own datagrams back: "
            f"{SEND_BACK}, never to an address kept from an earlier datagram"
        )


@CHECKS.check("stop")
def stop(trial: UdpTrial) -> None:
    server = trial.server
    trial.client.send(server, b"before stop")  # something to have served; any reply will do
    trial.client.replies(server, 1)
    if not server.stop(STOP_PATIENCE):
        raise CheckFailure(
            f"serve() did not return within {STOP_PATIENCE:g} s of being told to stop: "
            "check stop.is_set() after each datagram; right after setting stop the checker "
            "sends an empty datagram, so a server waiting in recvfrom() wakes up to see it"
        )
    if server.run.error is not None:
        server.check_running()
        raise CheckFailure(f"told to stop, serve() raised {server.run.describe_error()}")
    left = left_behind(server)
    if left:
        raise CheckFailure(
            f"serve() returned when told to stop, but left behind {', '.join(left)}: "
            "join the threads you start"
        )


def check_udp_server(
    serve: Callable[..., Any],
    only: Iterable[str] | None = None,
    *,
    large: int = LARGE,
    seed: int = 0,
) -> Report:
    """Run every UDP echo check on a student's ``serve(sock, stop)``.

    ``large`` is the size of the large datagram (at most 9000, which every
    platform sends by default); ``seed`` varies its bytes.
    """
    if not 0 < large <= MAX_PORTABLE_DATAGRAM:
        raise ValueError(f"large must be between 1 and {MAX_PORTABLE_DATAGRAM}")

    name = getattr(serve, "__name__", "serve")
    client = _Client()
    checks = CHECKS.select(only)
    starts = itertools.count()

    def start(on_error: Callable[[str], None]) -> Server:
        # boundaries, when checked, is the first check, on the first run: its datagrams
        # wait on that run's socket before serve() is called
        waits = next(starts) == 0 and bool(checks) and checks[0][0] == "boundaries"
        waiting = (lambda address: client.send_to(address, *WAITING)) if waits else None
        return Server(serve, UDP, on_error=on_error, before_serving=waiting)

    def on_server(check: Callable[[UdpTrial], None]) -> Callable[[Server], None]:
        return lambda server: check(UdpTrial(server, client, large, seed))

    try:
        return run_server_checks(
            f"UDP echo server {name}",
            start,
            [(c, on_server(f)) for c, f in checks],
            CHECKS.ids,
        )
    finally:
        client.close()
