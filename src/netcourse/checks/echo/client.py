"""The client side of the echo checks: connections with a deadline on every wait.

All clients of one check run in one thread on non-blocking sockets, driven by
a selector, so that a check can hold a hundred connections at once, send and
receive on each at the same time, and give up on any of them after a fixed
time without progress. What came back is then put into words for the
check's message.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..harness.core import CheckFailure

PATIENCE = 1.0  # seconds a client waits without any progress before it gives up
SETTLE = 0.3  # seconds a check waits for the server to close its side of each connection
RESET_GRACE = 0.2  # seconds the server gets to drop a connection the checker has reset
QUEUE_FULL = 48 * 2**10  # unread bytes that, with a refused send, mean "all buffers are full"
SIP = 4096  # how much a held-back client reads at a time once it reads: the server's send
# buffer then stays partly full, which is when a send() that does not loop takes only part
STALL = 0.25  # how long that must last: a server blocked on us stays blocked, a busy one moves
CONNECT_TIMEOUT = 3.0  # above the 1 s a full accept queue adds (one SYN retransmission)
TICK = 0.02  # how often a waiting client looks at the clock and at the server
CHUNK = 65536


class Target(Protocol):
    """An echo server under test, in this process or elsewhere.

    ``client_ended`` is set once a client has shut down its sending side, so
    that a server that fails just after (on recv() returning b'') is told apart.
    """

    address: tuple[str, int]
    client_ended: bool

    @property
    def running(self) -> bool: ...

    def check_running(self) -> None:
        """Raise a CheckFailure (or NotAttempted) when the server is no longer running."""


@dataclass(eq=False)
class Exchange:
    """One client's conversation: send ``message``, expect it back.

    ``shut_write``: after sending, shut down the sending side (the server sees
    the end of the stream). ``wait_eof``: done only when the server has closed
    its side too. ``hold_back``: read nothing until the server cannot go on
    without it (see :meth:`reading`), and then read in small sips, so that the
    buffers on both sides fill up, as they do on a real network with a slow
    reader.
    """

    sock: socket.socket
    message: bytes
    shut_write: bool = False
    wait_eof: bool = False
    hold_back: bool = False
    sent: int = 0
    received: bytearray = field(default_factory=bytearray)
    eof: bool = False
    error: OSError | None = None
    blocked: bool = False  # the kernel refused to take more at the last try, or was not ready
    stalled_since: float | None = None
    holding: bool = field(init=False)  # still holding back

    def __post_init__(self) -> None:
        self.holding = self.hold_back

    @property
    def sending(self) -> bool:
        return self.sent < len(self.message) and self.error is None

    @property
    def done(self) -> bool:
        # A failed send ends the sending only: what already came back is still read.
        return self.eof or (not self.wait_eof and len(self.received) >= len(self.message))

    @property
    def echoed(self) -> bool:
        """Exactly the message came back (and then the end of the stream, if that was awaited)."""
        return self.received == self.message and (self.eof or not self.wait_eof)

    def reading(self, now: float) -> bool:
        """Whether to read now. Held back, not until all is sent, or until for STALL seconds
        the kernel has refused more while our receive buffer is nearly full: then a server
        that echoes as it reads is blocked on us, and from then on the client reads as it
        sends. A server that is merely slow, or busy elsewhere, does not fill our buffer."""
        if self.holding and self.sending:
            if not (self.blocked and self._unread() >= QUEUE_FULL):
                self.stalled_since = None
            elif self.stalled_since is None:
                self.stalled_since = now
            elif now - self.stalled_since >= STALL:
                self.holding = False
        return not self.holding or not self.sending

    def _unread(self) -> int:
        try:
            return len(self.sock.recv(CHUNK, socket.MSG_PEEK))
        except OSError:
            return QUEUE_FULL  # an error to collect: read it

    def step_send(self) -> bool:
        try:
            self.sent += self.sock.send(memoryview(self.message)[self.sent : self.sent + CHUNK])
        except (BlockingIOError, InterruptedError):
            self.blocked = True
            return False
        except OSError as exc:
            self.error = exc
            return True
        self.blocked = False
        if not self.sending and self.shut_write:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_WR)
        return True

    def step_receive(self) -> bool:
        try:
            data = self.sock.recv(SIP if self.hold_back else CHUNK)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as exc:
            self.error = self.error or exc
            self.eof = True
            return True
        if data:
            self.received += data
        else:
            self.eof = True
        return True


def connect(target: Target, buffers: int | None = None) -> socket.socket:
    """A non-blocking client connected to the target; ``buffers`` sizes its kernel buffers."""
    family = socket.AF_INET6 if ":" in target.address[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if buffers:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffers)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffers)
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(target.address)
    except OSError as exc:
        sock.close()
        getattr(target, "wait_for_end", lambda seconds: None)(RESET_GRACE)
        target.check_running()
        host, port = target.address
        raise CheckFailure(
            f"could not connect to the server at {host}:{port} ({describe_error(exc)}): is it "
            "still listening? The listening socket must stay open until the server stops"
        ) from None
    sock.setblocking(False)
    return sock


def drive(
    exchanges: Sequence[Exchange],
    target: Target,
    patience: float = PATIENCE,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Run the exchanges side by side until each is done or nothing moves for ``patience`` s."""
    with selectors.DefaultSelector() as selector:
        now = last_progress = time.monotonic()
        interest: dict[Exchange, int] = {}
        while True:
            pending = [ex for ex in exchanges if not ex.done]
            if not pending or now - last_progress > patience:
                break
            for ex in pending:
                wanted = (selectors.EVENT_WRITE if ex.sending else 0) | (
                    selectors.EVENT_READ if ex.reading(now) else 0
                )
                _watch(selector, interest, ex, wanted)
            ready = selector.select(TICK)
            now = time.monotonic()
            writable = {key.data for key, events in ready if events & selectors.EVENT_WRITE}
            for ex in pending:
                if ex.sending and ex not in writable:
                    ex.blocked = True  # the kernel will take nothing more for now
            for key, events in ready:
                ex = key.data
                if events & selectors.EVENT_WRITE and ex.sending and ex.step_send():
                    last_progress = now
                    target.client_ended |= ex.shut_write and not ex.sending
                readable = events & selectors.EVENT_READ and ex.reading(now)
                if readable and not ex.done and ex.step_receive():
                    last_progress = now
            now = time.monotonic()
            target.check_running()
            if on_tick:
                on_tick()
        for ex in exchanges:
            _forget(selector, interest, ex)


def _watch(selector: selectors.BaseSelector, interest: dict, ex: Exchange, events: int) -> None:
    current = interest.get(ex, 0)
    if events == current:
        return
    if not events:
        selector.unregister(ex.sock)
    elif not current:
        selector.register(ex.sock, events, ex)
    else:
        selector.modify(ex.sock, events, ex)
    interest[ex] = events


def _forget(selector: selectors.BaseSelector, interest: dict, ex: Exchange) -> None:
    if interest.pop(ex, 0):
        selector.unregister(ex.sock)


class Clients:
    """The client connections of one check, and how they end.

    On leaving the ``with`` block each client shuts down its sending side and
    waits (:data:`SETTLE` seconds, all together) for the server to close its
    side. A connection the server has not closed by then is reset: that ends
    a server thread that would otherwise go on calling recv() on it forever.
    The check then waits for the server to drop it, so that whatever the
    reset makes the server do happens within this check. After an error in
    the block every client is reset at once.
    """

    def __init__(self, target: Target) -> None:
        self.target = target
        self.socks: list[socket.socket] = []
        self._closed_by_server: set[socket.socket] = set()
        self._waited_for: set[socket.socket] = set()  # each gets one wait, not one per call

    def connect(self, count: int, buffers: int | None = None) -> list[socket.socket]:
        new = []
        for _ in range(count):
            new.append(connect(self.target, buffers))
            self.socks.append(new[-1])
        return new

    def settle(self, timeout: float = SETTLE) -> bool:
        """Shut down our sending sides; wait for the server to close its side of each client."""
        waiting = [s for s in self.socks if s.fileno() != -1 and s not in self._waited_for]
        self._waited_for.update(waiting)
        for sock in waiting:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        self.target.client_ended |= bool(waiting)
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            for sock in waiting:
                selector.register(sock, selectors.EVENT_READ)
            while selector.get_map() and time.monotonic() < deadline and self.target.running:
                for key, _ in selector.select(TICK):
                    try:
                        data = key.fileobj.recv(CHUNK)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        selector.unregister(key.fileobj)
                        self._closed_by_server.add(key.fileobj)
            return not selector.get_map() and self._closed_by_server.issuperset(self.socks)

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, kind: type | None, *rest: object) -> None:
        if kind is None:
            self.settle()
        stuck = [s for s in self.socks if s.fileno() != -1 and s not in self._closed_by_server]
        ports = [s.getsockname()[1] for s in stuck]
        for sock in stuck:
            reset(sock)
        for sock in self.socks:
            sock.close()
        if ports:
            wait_for_connections(self.target, ports, present=False, timeout=RESET_GRACE)
        if stuck and kind is None and not self.target.running:
            try:
                self.target.check_running()
            except CheckFailure as exc:
                raise CheckFailure(
                    f"the server did not close {len(stuck)} connection(s) within {SETTLE:g} s "
                    "after the client shut down its sending side, so the checker reset them; "
                    f"then {exc}. When recv() returns b'' the client has finished: close the "
                    "connection"
                ) from None


@contextlib.contextmanager
def clients(
    target: Target, count: int, buffers: int | None = None
) -> Iterator[list[socket.socket]]:
    """``count`` connected clients, ended as :class:`Clients` ends them."""
    with Clients(target) as group:
        yield group.connect(count, buffers)


def wait_for_connections(
    target: Target, ports: Sequence[int], present: bool, timeout: float = SETTLE
) -> None:
    """Wait until the server holds every client on ``ports`` (or, not ``present``, none of them).

    Only a server that can list its connections can tell; for others, wait a moment.
    """
    connections = getattr(target, "connections", lambda: None)
    if connections() is None:
        time.sleep(0.05)
        return
    wanted, deadline = set(ports), time.monotonic() + timeout
    while target.running and time.monotonic() < deadline:
        held = wanted & connections()
        if held == (wanted if present else set()):
            return
        time.sleep(TICK)


def reset(sock: socket.socket) -> None:
    """Close with a reset (RST) instead of the orderly end of stream (FIN)."""
    linger = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
    sock.close()


def describe_error(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def preview(data: bytes, limit: int = 16) -> str:
    return repr(data[:limit]) + ("..." if len(data) > limit else "")


# --- putting an outcome into words --------------------------------------------

OK, CHANGED, GAP, EXTRA, NO_EOF, CLOSED, RESET, SILENT = (
    "ok",
    "changed",
    "gap",
    "extra",
    "no-eof",
    "closed",
    "reset",
    "silent",
)


@dataclass(frozen=True)
class Outcome:
    """What came back, classified (``kind``) and described (``text``); for a changed echo,
    ``changed`` is the byte that was sent where the echo first differs."""

    kind: str
    text: str
    received: int
    changed: int | None = None


def outcome(ex: Exchange, what: str, patience: float = PATIENCE) -> Outcome:
    """Classify an exchange: did ``what`` (e.g. "the 1 MiB message") come back, and how not."""
    got, want = bytes(ex.received), ex.message
    n = len(got)
    if ex.echoed:
        return Outcome(OK, "", n)
    differs = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    if differs is not None:
        return _changed(got, want, differs, what)
    if n > len(want):
        extra = got[len(want) :]
        return Outcome(
            EXTRA, f"{what} came back followed by {len(extra)} more bytes: {preview(extra)}", n
        )
    if n == len(want):
        return Outcome(
            NO_EOF,
            f"{what} came back, but the connection then stayed open for {patience:g} s",
            n,
        )
    if ex.error is not None:
        kind, ending = RESET, f"then the connection failed ({describe_error(ex.error)})"
    elif ex.eof:
        kind, ending = CLOSED, "then the server closed the connection"
    else:
        kind, ending = SILENT, f"then nothing more came for {patience:g} s"
    if n == 0:
        if kind == SILENT:
            return Outcome(kind, f"nothing of {what} came back within {patience:g} s", 0)
        if kind == CLOSED:
            return Outcome(kind, f"the server hung up without echoing {what}", 0)
        return Outcome(kind, f"nothing of {what} came back: {ending.removeprefix('then ')}", 0)
    return Outcome(kind, f"{what} came back short: {n} of {len(want)} bytes, {ending}", n)


def _changed(got: bytes, want: bytes, at: int, what: str) -> Outcome:
    # In random bytes, 8 to 32 bytes that differ here but occur later mean: a piece is missing.
    probe = got[at : at + 32]
    if len(probe) >= 8:
        resumes = want.find(probe, at + 1)
        if resumes > at:
            return Outcome(
                GAP,
                f"{resumes - at} bytes of {what} went missing at byte {at}: the echo skips "
                "from there to a later part of the message",
                len(got),
            )
    return Outcome(
        CHANGED,
        f"{what} came back changed from byte {at} on: sent {preview(want[at:])}, "
        f"got {preview(got[at:])}",
        len(got),
        want[at],
    )
