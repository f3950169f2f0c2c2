"""The echo-server properties, one probe each, and the words for each way they fail.

A probe talks to the server as clients do (see :mod:`.echo_client`) and
raises CheckFailure with a message that names the fault and its likely
cause. Probes that need to look inside the server (its CPU time, threads,
processes, open connections) ask the target, which is either a server run
in this process (:class:`netcourse.checks.harness.server.Server`) or a process given by
its pid (:class:`Remote`).
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

from ..harness.capture import wait_until
from ..harness.core import CheckFailure, Checklist, NotAttempted, OtherFault, SkipCheck, fault_of
from ..harness.server import POOL_KINDS, Server
from .client import (
    CHANGED,
    CLOSED,
    CONNECT_TIMEOUT,
    EXTRA,
    GAP,
    NO_EOF,
    PATIENCE,
    RESET,
    SETTLE,
    SILENT,
    TICK,
    Clients,
    Exchange,
    Outcome,
    Target,
    clients,
    connect,
    drive,
    outcome,
    wait_for_connections,
)
from .client import reset as reset_connection

SHORT_MESSAGE = b"hello, echo"
LARGE = 2**20 + 17  # at least 1 MiB, and not a multiple of any buffer size
HALF_CLOSE_SIZE = 2**20  # far more than the buffers between client and server can hold
SMALL_BUFFERS = 64 * 2**10  # a client's kernel buffers, small so that they fill up for real
MANY_MESSAGES = 200
MANY_MAX_SIZE = 2000
LEAK_CONNECTIONS = 32
LEAK_AT_ONCE = 4
LEAK_SETTLE = 0.5  # a thread ends, and a socket closes, within milliseconds of its client
WORKER_OVERLOAD = 6  # clients beyond the bound that bounded-workers connects
WORKER_PATIENCE = 0.3
EXTRA_POOL_THREADS = 1  # a pool server may run one thread besides its workers (to accept, say)
IDLE_WINDOW = 0.25  # each of idle-cpu's two windows
IDLE_SHARE = 0.5  # of what a spinning thread gets in the same window, however busy the machine
IDLE_FLOOR = 0.02  # of one CPU: below this, no server is busy-waiting
SPIN_BLOCK = 256 * 2**10  # hashed over and over by the yardstick, a fraction of a ms each time
STOP_PATIENCE = 3.0  # seconds a server has to return once stop is set and its last client left
STOP_SEEN = 0.3  # seconds the stop check's client stays connected after stop is set
STARTUP_PATIENCE = 10.0  # a process pool on a busy machine may take seconds to start
FILES_PER_CLIENT = 2  # a client's socket and, in this process, the server's end of it
SPARE_FILES = 64

EOF_ADVICE = (
    "recv() returns b'' once the client has shut down its sending side: send what is still "
    "owed, then close the connection, and keep serving the others"
)
RECV_LOOP = (
    "keep calling recv() and echoing what it returns until recv() returns b'' (the client "
    "has finished sending)"
)
SILENT_ADVICE = (
    "an echo server sends back whatever each recv() returns at once; it must not wait for "
    "more data first (a full buffer, a newline, or the end of the stream)"
)
PARTIAL_SEND = (
    "send() may take only part of the data (it returns how many bytes it took): use sendall(), "
    "or in a non-blocking server keep the bytes send() did not take and send them when the "
    "selector says the socket is writable"
)
BYTES_ADVICE = (
    "bytes such as 0x80-0xff are not valid UTF-8 on their own, so a server that decodes the data "
    "to str and encodes it back changes them or crashes: echo the bytes exactly as received"
)
CONCURRENCY_ADVICE = (
    "serve each connection independently (a thread per connection, a selector, a pool or "
    "coroutines), so that a client that is slow to send cannot hold up the others"
)
SELECTOR_CONCURRENCY_ADVICE = (
    "make every accepted socket non-blocking and call recv() only on sockets the selector "
    "reports readable, so that a client that is slow to send cannot hold up the others"
)


def concurrency_advice(kind: str) -> str:
    """How to serve connections independently, in the terms of the exercise's kind."""
    return SELECTOR_CONCURRENCY_ADVICE if kind == "selectors" else CONCURRENCY_ADVICE


@dataclass(frozen=True)
class Settings:
    """What a run of the checks is asked to prove."""

    clients: int = 100
    workers: int | None = None
    kind: str = "remote"
    seed: int = 0
    large: int = LARGE


def largest_send_buffer() -> int:
    """The most a TCP socket's send buffer may grow to here: on Linux the larger of
    ``tcp_wmem``'s maximum (autotuning) and ``wmem_max`` (SO_SNDBUF); 8 MiB elsewhere,
    more than macOS's and Windows's defaults."""
    found = []
    for path, field in (("/proc/sys/net/ipv4/tcp_wmem", -1), ("/proc/sys/net/core/wmem_max", 0)):
        with contextlib.suppress(OSError, ValueError, IndexError), open(path) as text:
            found.append(int(text.read().split()[field]))
    return max(found, default=8 * 2**20)


def black_box_large() -> int:
    """The size of ``large`` for a server this checker cannot give small buffers: twice the
    largest send buffer and 1 MiB more, so that a send() that does not loop must fall short
    while the client holds back its reads."""
    return 2 * largest_send_buffer() + LARGE


def payload(settings: Settings, what: str, size: int) -> bytes:
    """Random bytes, the same for the same seed and purpose."""
    return random.Random(f"{settings.seed}/{what}").randbytes(size)


def size_text(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size} bytes"


class Remote:
    """An echo server at an address, maybe with the pid of its process: the black-box target."""

    def __init__(self, address: tuple[str, int], pid: int | None = None) -> None:
        self.address = address
        self.pid = pid
        self.process = psutil.Process(pid) if pid is not None else None
        self.client_ended = False

    @property
    def running(self) -> bool:
        if self.process is None:
            return True
        try:
            return self.process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def check_running(self) -> None:
        if not self.running:
            raise CheckFailure(f"the server process {self.pid} ended")

    def wait_for_end(self, seconds: float) -> None:
        """Give a process that is closing down ``seconds`` to be seen ended."""
        if self.process is not None:
            wait_until(lambda: not self.running, seconds)

    def _family(self) -> list[psutil.Process]:
        """The process and its children (none once it has ended)."""
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.Error:
            return []

    def connections(self) -> set[int] | None:
        """Client ports of the connections the process (or a child) holds on the port."""
        if self.process is None:
            return None
        port, found = self.address[1], set()
        with contextlib.suppress(psutil.Error):
            for process in self._family():
                with contextlib.suppress(psutil.Error):
                    found |= {
                        c.raddr.port
                        for c in process.net_connections("tcp")
                        if c.laddr and c.laddr.port == port and c.raddr
                    }
        return found

    def cpu_seconds(self) -> float | None:
        if self.process is None:
            return None
        total = 0.0
        for process in self._family():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total


# --- what a target holds, for leaks and bounded-workers ---------------------------


def resources(target: Target) -> dict[str, int]:
    """Counts that must come back to their baseline once clients have come and gone."""
    if isinstance(target, Server):
        return {
            "open connections": len(target.connections()),
            "threads": len(target.worker_threads()),
            "worker processes": len(target.children()),
        }
    if target.process is None:
        raise SkipCheck("needs the server's process id (--pid) to count its resources")
    process = target.process
    found = {"open connections": len(target.connections() or ())}
    with contextlib.suppress(psutil.Error):
        found["threads"] = process.num_threads()
        found["descriptors"] = (
            process.num_handles() if sys.platform == "win32" else process.num_fds()
        )
    return found


def workers_running(server: Server) -> int:
    if server.kind == "process-pool":
        return len(server.children())
    return len(server.worker_threads())


def wait_accepted(target: Target, port: int) -> None:
    """Wait (a little) until the server has accepted the client on ``port``."""
    wait_for_connections(target, [port], present=True, timeout=PATIENCE)


def wait_ready(server: Server) -> None:
    """Wait until a fresh server accepts a connection: a pool's workers take a while to start."""
    with (
        contextlib.suppress(OSError),
        socket.create_connection(server.address, CONNECT_TIMEOUT) as sock,
    ):
        wait_for_connections(server, [sock.getsockname()[1]], True, STARTUP_PATIENCE)
    server.client_ended = True  # that client closed: a server may fail on it already


# --- the probes ---------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """What an echo check is run on: a target (a server run here, or a remote one) and the
    settings of this run of the checker."""

    target: Target
    settings: Settings


CHECKS: Checklist[Trial] = Checklist("echo")


def on(check: Callable[[Trial], None], settings: Settings) -> Callable[[Target], None]:
    """The check as a function of the target alone, for a run with ``settings``."""
    return lambda target: check(Trial(target, settings))


def _bytes_changed(result: Outcome, advice: str) -> CheckFailure | OtherFault:
    """An echo that came back with bytes changed (or added) is short's fault when the bytes
    were plain ASCII, binary's when they were not; the text says what was seen."""
    owner = "short" if result.changed is None or result.changed < 0x80 else "binary"
    return fault_of(owner, f"{result.text}: {advice}")


@CHECKS.check("short")
def short(trial: Trial) -> None:
    target = trial.target
    with clients(target, 1) as (sock,):
        ex = Exchange(sock, SHORT_MESSAGE)
        drive([ex], target)
        result = outcome(ex, f"the message {SHORT_MESSAGE!r}")
        if result.kind == SILENT and result.received == 0:
            raise CheckFailure(f"{result.text}: {SILENT_ADVICE}")
        if result.kind == CHANGED:
            raise CheckFailure(
                f"sent {SHORT_MESSAGE!r} and got back {bytes(ex.received)!r}: "
                "an echo is the very same bytes"
            )
        if result.kind != "ok":
            raise CheckFailure(result.text)


@CHECKS.check("binary")
def binary(trial: Trial) -> None:
    target = trial.target
    message = bytes(range(256)) * 2
    with clients(target, 1) as (sock,):
        ex = Exchange(sock, message)
        drive([ex], target)
        result = outcome(ex, "a message of all 256 byte values")
        if result.kind == SILENT:
            raise fault_of("short", f"{result.text}: {SILENT_ADVICE}")
        if result.kind in (CHANGED, EXTRA):
            raise _bytes_changed(result, BYTES_ADVICE)
        if result.kind != "ok":
            raise CheckFailure(f"{result.text}: {BYTES_ADVICE}")


@CHECKS.check("large")
def large(trial: Trial) -> None:
    target, settings = trial.target, trial.settings
    size = settings.large
    message = payload(settings, "large", size)
    what = f"the {size_text(size)} message"
    with clients(target, 1, SMALL_BUFFERS) as (sock,):
        ex = Exchange(sock, message, hold_back=True)
        drive([ex], target)
        result = outcome(ex, what)
        if result.kind == "ok":
            return
        if result.kind == CLOSED and result.received:
            raise CheckFailure(
                f"the server hung up after echoing {result.received} bytes of {what}: one "
                "recv() returns what has arrived so far (at most its bufsize), not the whole "
                f"message; {RECV_LOOP}"
            )
        if result.kind == GAP:
            raise CheckFailure(f"{result.text}: {PARTIAL_SEND}")
        if result.kind in (CHANGED, EXTRA):
            raise _bytes_changed(result, "an echo sends back the very bytes it received")
        if result.kind == SILENT and result.received:
            raise fault_of(
                "short",
                f"{result.text}: the server stopped echoing. Either {PARTIAL_SEND}; or the "
                "server waits for more data before it echoes, while the client waits for "
                "its echo before it can send more",
            )
        if result.kind == SILENT:
            raise fault_of("short", f"{result.text}: {SILENT_ADVICE}")
        if result.kind == RESET:
            raise CheckFailure(
                f"{result.text}: a socket closed while data it has not read is waiting "
                f"sends a reset instead of an orderly end; {RECV_LOOP}"
            )
        raise CheckFailure(result.text)


@CHECKS.check("many-messages")
def many_messages(trial: Trial) -> None:
    """Messages one after another on one connection. A connection closed early is large's
    fault too (one recv() per connection), silence short's: this points there first."""
    target, settings = trial.target, trial.settings
    rng = random.Random(f"{settings.seed}/many")
    with clients(target, 1) as (sock,):
        for number in range(1, MANY_MESSAGES + 1):
            message = rng.randbytes(rng.randint(1, MANY_MAX_SIZE))
            ex = Exchange(sock, message)
            drive([ex], target)
            result = outcome(ex, f"message {number} of {MANY_MESSAGES} ({len(message)} bytes)")
            if result.kind == "ok":
                continue
            if result.kind in (CLOSED, RESET) and number > 1 and not result.received:
                how = "closed" if result.kind == CLOSED else "reset"
                raise fault_of(
                    "large",
                    f"the server {how} the connection after echoing {number - 1} "
                    f"message(s): an echo server keeps the connection open and loops "
                    f"(recv(), then sendall()) until recv() returns b''",
                )
            if result.kind == SILENT:
                raise fault_of("short", f"{result.text}: {SILENT_ADVICE}")
            if result.kind in (CLOSED, RESET, GAP):
                raise fault_of("large", f"{result.text}: {RECV_LOOP}")
            if result.kind in (CHANGED, EXTRA):
                raise _bytes_changed(result, "an echo sends back the very bytes it received")
            raise CheckFailure(
                f"{result.text}: each message sent on a connection that stays open must "
                "come back whole before the next is sent"
            )


@CHECKS.check("half-close")
def half_close(trial: Trial) -> None:
    """After shutdown(SHUT_WR) the server echoes all it owes, then closes. An echo that
    comes back broken otherwise is the fault of large (or short, or binary)."""
    target, settings = trial.target, trial.settings
    message = payload(settings, "half-close", HALF_CLOSE_SIZE)
    what = f"the {size_text(HALF_CLOSE_SIZE)} message"
    intro = "after the client's shutdown(SHUT_WR), "
    with clients(target, 1, SMALL_BUFFERS) as (sock,):
        ex = Exchange(sock, message, shut_write=True, wait_eof=True, hold_back=True)
        try:
            drive([ex], target)
        except NotAttempted:
            raise
        except CheckFailure as exc:
            raise CheckFailure(f"{intro}{exc}: {EOF_ADVICE}") from None
        result = outcome(ex, what)
        if result.kind == "ok":
            return
        if result.kind == NO_EOF:
            raise CheckFailure(
                "the server did not close the connection after the client's shutdown(SHUT_WR): "
                f"it echoed everything but was still open {PATIENCE:g} s later. recv() "
                "returning b'' means the client will send nothing more, so close the "
                "connection then (a loop that goes on calling recv() after b'' spins forever)"
            )
        if result.kind in (CLOSED, RESET) and result.received:
            raise fault_of(
                "large",
                f"{intro}{result.text}: a server echoes everything it receives and closes "
                "only once recv() has returned b'' and it has sent all it still owes",
            )
        if result.kind in (CHANGED, EXTRA):
            raise _bytes_changed(result, "an echo sends back the very bytes it received")
        if result.kind == GAP:
            raise fault_of("large", f"{result.text}: {PARTIAL_SEND}")
        raise fault_of(("large", "short"), f"{intro}{result.text}")


@CHECKS.check("reset")
def reset(trial: Trial) -> None:
    target = trial.target
    doomed = connect(target)
    port = doomed.getsockname()[1]
    try:
        wait_accepted(target, port)
    finally:
        reset_connection(doomed)
    # so that whatever the reset makes the server do happens now
    wait_for_connections(target, [port], present=False)
    advice = _reset_advice()
    _next_client_served(
        target, "after a client reset its connection, the next one was not served", advice, advice
    )


@CHECKS.check("head-of-line")
def head_of_line(trial: Trial) -> None:
    target, kind = trial.target, trial.settings.kind
    with clients(target, 1) as (silent,):
        wait_accepted(target, silent.getsockname()[1])
        _next_client_served(
            target,
            "a client that connected and sent nothing held up the next one",
            "the server is stuck waiting in recv() for the silent client: "
            + concurrency_advice(kind),
        )


def _next_client_served(target: Target, fault: str, advice: str, failed_advice: str = "") -> None:
    """A fresh client sends a short message and must get the echo; ``fault`` says what it
    means when it does not.

    Without an echo it shuts down its sending side and waits once more: a
    server that echoes only at the end of the stream fails other checks, not
    this. ``advice`` fits a server that left the client without an answer,
    ``failed_advice`` one that stopped or failed the connection; an echo that
    came back changed is short's or binary's fault.
    """
    with clients(target, 1) as (sock,):
        ex = Exchange(sock, SHORT_MESSAGE)
        try:
            drive([ex], target)
            if not ex.received and not ex.eof:
                ex.shut_write = True
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)
                target.client_ended = True
                drive([ex], target)
        except NotAttempted:
            raise
        except CheckFailure as exc:
            raise CheckFailure(
                f"{fault}: {exc}" + (f". {failed_advice}" if failed_advice else "")
            ) from None
        result = outcome(ex, f"the next client's message {SHORT_MESSAGE!r}")
        if result.kind in (CHANGED, EXTRA):
            raise _bytes_changed(result, "an echo sends back the very bytes it received")
        if result.kind == SILENT and not result.received:
            raise CheckFailure(f"{fault}: {result.text}; {advice}")
        if result.kind != "ok":
            raise CheckFailure(
                f"{fault}: {result.text}" + (f". {failed_advice}" if failed_advice else "")
            )


@CHECKS.check("concurrent")
def concurrent(trial: Trial) -> None:
    target, settings = trial.target, trial.settings
    count = settings.clients
    if settings.kind in POOL_KINDS:
        count = min(count, settings.workers)
    ensure_open_files(count)
    messages = [  # text, so that only concurrency is at stake here
        f"client {i:03d} ".encode() + payload(settings, f"client {i}", 50).hex().encode()
        for i in range(count)
    ]
    with clients(target, count) as socks:
        exchanges = [Exchange(sock, m) for sock, m in zip(socks, messages, strict=True)]
        drive(exchanges, target)
        results = [outcome(ex, "its message") for ex in exchanges]
        served = sum(r.kind == "ok" for r in results)
        if served == count:
            return
        tally: dict[str, int] = {}
        for r in results:
            if r.kind != "ok":
                tally[r.kind] = tally.get(r.kind, 0) + 1
        counts = ", ".join(f"{n} {_CONCURRENT_WORDS.get(k, k)}" for k, n in tally.items())
        message = (
            f"only {served} of {count} clients connected at once got their echo within "
            f"{PATIENCE:g} s: {counts}, each having sent a message and kept its connection "
            "open"
        )
        changed = next((r for r in results if r.kind in (CHANGED, GAP, EXTRA)), None)
        if changed is not None:
            raise _bytes_changed(changed, "an echo sends back the very bytes it received")
        if served <= 1 and tally.get(SILENT):
            # One at a time, or none before the end of the stream: head-of-line's or short's.
            raise fault_of(
                ("short", "head-of-line"),
                f"{message}. The server serves one connection at a time, so while it waits "
                f"for the first client, which stays connected, the others wait: "
                f"{concurrency_advice(settings.kind)}",
            )
        if tally.get(SILENT) and settings.kind in POOL_KINDS:
            message += (
                f"; a pool of {settings.workers} workers must serve that many connections at once"
            )
        raise CheckFailure(message)


@CHECKS.check("idle-cpu")
def idle_cpu(trial: Trial) -> None:
    """Two windows, each measured against the same yardstick: no client at all, then one
    client connected, echoed and silent (a selector that watches EVENT_WRITE for it spins)."""
    target, kind = trial.target, trial.settings.kind
    if target.cpu_seconds() is None:
        raise SkipCheck("needs the server's process id (--pid) to measure its CPU time")
    with Clients(target) as group:
        (sock,) = group.connect(1)
        drive([Exchange(sock, SHORT_MESSAGE, shut_write=True)], target, patience=0.5)
        # The server should now wait for the next client, using no CPU; one that has not
        # closed the connection is not idle yet (it may spin on b''): half-close's fault.
        if not group.settle():
            raise fault_of(
                "half-close",
                "the server did not close the connection after the client's shutdown(SHUT_WR): "
                "whether it idles without using CPU could not be measured",
            )
        used, spun, wall = _idle_cpu(target)
        if _busy(used, spun, wall):
            raise CheckFailure(
                "the server is busy-waiting: with no client connected "
                f"{_cpu_text(used, spun, wall)}. Likely causes: a loop that retries accept() "
                "or recv() on non-blocking sockets at once after BlockingIOError; select() or "
                "selector.select() with timeout=0; or a loop that goes on calling recv() "
                f"after it returned b''. {_idle_advice(kind)}"
            )
        # A client that has got its echo (if the server echoes: short's business) and
        # stays connected and silent: the server owes it nothing.
        (sock,) = group.connect(1)
        drive([Exchange(sock, SHORT_MESSAGE)], target, patience=0.5)
        used, spun, wall = _idle_cpu(target)
    if _busy(used, spun, wall):
        raise CheckFailure(
            "the server is busy-waiting while a client is connected and silent: "
            f"{_cpu_text(used, spun, wall)}. Likely causes: EVENT_WRITE registered for a "
            "client that is owed nothing (a socket is almost always writable, so select() "
            "returns at once, for ever); a loop that retries recv() on a non-blocking socket "
            f"at once after BlockingIOError; or select() with timeout=0. {_idle_advice(kind)}"
        )


def _busy(used: float, spun: float, wall: float) -> bool:
    """Whether the server took about as much CPU as the yardstick, and more than a trifle."""
    return used > IDLE_SHARE * spun and used > IDLE_FLOOR * wall


def _cpu_text(used: float, spun: float, wall: float) -> str:
    return (
        f"it used {used:.2f} s of CPU time in {wall:.2f} s, about as much as a thread of the "
        f"checker that did nothing but compute got meanwhile ({spun:.2f} s)"
    )


def _idle_advice(kind: str) -> str:
    if kind == "selectors":
        return (
            "Wait in selector.select() with no timeout; register EVENT_WRITE only while a "
            "client is owed bytes"
        )
    return (
        "Block instead: in accept() or recv() on blocking sockets, or in selector.select() "
        "with no timeout (registering EVENT_WRITE only while a client is owed bytes)"
    )


@CHECKS.check("leaks")
def leaks(trial: Trial) -> None:
    target, settings = trial.target, trial.settings
    before = resources(target)
    allowed = _leak_allowance(settings, target, before)
    # The clients stay (half-)open until the count is made: a server that keeps
    # connections or threads after their clients are done is caught while it does.
    # Once it has not closed a batch of connections, more batches would prove nothing.
    with Clients(target) as group:
        for _ in range(LEAK_CONNECTIONS // LEAK_AT_ONCE):
            batch = group.connect(LEAK_AT_ONCE)
            drive([Exchange(sock, SHORT_MESSAGE, shut_write=True) for sock in batch], target)
            if not group.settle():
                break
        deadline = time.monotonic() + LEAK_SETTLE
        while True:
            after = resources(target)
            excess = {k: after[k] - allowed[k] for k in after if k in allowed}
            if all(v <= 0 for v in excess.values()) or time.monotonic() > deadline:
                break
            target.check_running()
            time.sleep(TICK * 5)
    problems = [_LEAK_WORDS[k].format(n=after[k] - before[k]) for k, v in excess.items() if v > 0]
    if problems:
        message = (
            f"{'; '.join(problems)}. This was {LEAK_SETTLE:g} s after {len(group.socks)} clients "
            "had sent a message, got its echo and shut down their sending side"
        )
        # Connections still open after their clients' end of stream: half-close's fault.
        connections = excess.get("open connections", 0) > 0
        raise fault_of("half-close", message) if connections else CheckFailure(message)


def _leak_allowance(settings: Settings, target: Target, before: dict[str, int]) -> dict[str, int]:
    allowed = dict(before)
    if isinstance(target, Server):
        # A pool may grow to its bound; a thread or two of the runtime may stay idle.
        bound = settings.workers if settings.kind == "thread-pool" else 0
        allowed["threads"] = max(before["threads"], bound) + 2
    else:
        allowed["threads"] = before.get("threads", 0) + LEAK_AT_ONCE
        allowed["descriptors"] = before.get("descriptors", 0) + LEAK_AT_ONCE
    return allowed


@CHECKS.check("bounded-workers")
def bounded_workers(trial: Trial) -> None:
    target, settings = trial.target, trial.settings
    if not isinstance(target, Server) or target.kind not in POOL_KINDS:
        raise SkipCheck("only for pool servers run by check_server(..., workers=N)")
    bound, what = settings.workers, _worker_words(target)
    allowed = bound + (EXTRA_POOL_THREADS if target.kind == "thread-pool" else 0)
    count = bound + WORKER_OVERLOAD
    seen = [workers_running(target)]

    def sample() -> None:
        seen.append(workers_running(target))

    with clients(target, count) as socks:
        exchanges = [Exchange(sock, SHORT_MESSAGE) for sock in socks]
        drive(exchanges, target, patience=WORKER_PATIENCE, on_tick=sample)
        sample()
    if max(seen) > allowed:
        extra = (
            "one more thread (to accept connections, say) is allowed; " if allowed > bound else ""
        )
        raise CheckFailure(
            f"the server ran {max(seen)} {what} at once, over its bound of {bound}: {extra}"
            f"with {count} clients connected at once, a pool reuses a fixed set of workers, "
            "and a connection waits in the pool's queue until a worker is free, instead of "
            f"getting {what} of its own"
        )


@CHECKS.check("stop")
def stop(trial: Trial) -> None:
    target = trial.target
    if not isinstance(target, Server):
        raise SkipCheck("only for a server run by check_server()")
    # A client is connected and idle when stop is set; the server may serve it to its end
    # or close it, but once it has left the server must return.
    with clients(target, 1) as (sock,):
        drive([Exchange(sock, SHORT_MESSAGE)], target)
        target.request_stop()
        target.run.join(STOP_SEEN)
    if not target.run.join(STOP_PATIENCE):
        raise CheckFailure(_stop_advice(target))
    if isinstance(target.run.error, NotImplementedError):
        target.check_running()  # not attempted
    if target.run.error is not None:
        raise CheckFailure(f"told to stop, serve() raised {target.run.describe_error()}")
    deadline = time.monotonic() + SETTLE
    while left_behind(target) and time.monotonic() < deadline:
        time.sleep(TICK * 5)
    left = left_behind(target)
    if left:
        raise CheckFailure(
            "serve() returned when told to stop, but left behind "
            + ", ".join(left)
            + ": join the threads you start (or let each end when its client leaves), "
            "close every connection, and shut pools down (a `with` block does it)"
        )


_CONCURRENT_WORDS = {
    SILENT: "got nothing",
    CLOSED: "saw the connection closed",
    RESET: "saw the connection fail",
    CHANGED: "got wrong bytes",
    GAP: "got wrong bytes",
    "extra": "got extra bytes",
}
_LEAK_WORDS = {
    "open connections": "the server still holds {n} of them open: close each connection as soon "
    "as its client is done (recv() returned b''), for example with `with conn:`",
    "threads": "{n} more threads are running than before: the thread that serves a connection "
    "must end when its client leaves",
    "worker processes": "{n} more worker processes are running than before",
    "descriptors": "the process holds {n} more open descriptors than before: close each "
    "connection when its client is done",
}


def _worker_words(server: Server) -> str:
    return "worker processes" if server.kind == "process-pool" else "worker threads"


def _reset_advice() -> str:
    return (
        "A reset makes recv() raise ConnectionResetError (and send() BrokenPipeError or "
        "ConnectionResetError): catch ConnectionError for that one client, close its socket and "
        "go on serving"
    )


def _stop_advice(server: Server) -> str:
    head = (
        f"serve() did not return within {STOP_PATIENCE:g} s after stop, once no client was left: "
    )
    if server.kind == "asyncio":
        return head + "`await stop.wait()`, then close the server (leaving `async with server:`)"
    if server.kind == "gevent":
        return head + (
            "wait on stop (a gevent.event.Event) with stop.wait(), then stop the server; a "
            "blocking call from the standard library (time.sleep, a plain socket) stalls "
            "gevent's hub, so nothing else runs"
        )
    advice = head + (
        "check stop.is_set() each time around the accept loop. Right after setting stop the "
        "checker connects once, so a server waiting in accept() or select() wakes up to see it"
    )
    if server.kind in POOL_KINDS:
        advice += "; then shut the pool down (a `with` block does it)"
    return advice


def left_behind(server: Server) -> list[str]:
    """What a server that has returned still has running or open, one phrase each."""
    found = []
    threads = server.worker_threads()
    if threads:
        names = ", ".join(t.name for t in threads[:3]) + (", ..." if len(threads) > 3 else "")
        found.append(f"{len(threads)} running thread(s) ({names})")
    children = server.children()
    if children:
        found.append(f"{len(children)} worker process(es) (killed now)")
    connections = server.connections()
    if connections:
        found.append(f"{len(connections)} open connection(s)")
    return found


def _idle_cpu(target: Target) -> tuple[float, float, float]:
    """CPU seconds the server used in a window, what a spinning thread got, and the window.

    A busy-waiting server takes about as much CPU as the spinning thread, however
    loaded the machine is; a server that blocks takes next to nothing.
    """
    spun: list[float] = []
    start_cpu, start = target.cpu_seconds(), time.monotonic()
    spinner = threading.Thread(
        target=_spin, args=(start + IDLE_WINDOW, spun), name="idle-cpu yardstick", daemon=True
    )
    spinner.start()
    while spinner.is_alive():
        target.check_running()
        spinner.join(TICK * 5)
    used, wall = target.cpu_seconds() - start_cpu, time.monotonic() - start
    if getattr(target, "cpu_is_whole_process", False):
        used -= spun[0]  # the yardstick ran in this process too
    return used, spun[0], wall


def _spin(until: float, result: list[float]) -> None:
    """Keep one CPU busy until ``until`` without holding the GIL (hashlib releases it)."""
    block = bytes(SPIN_BLOCK)
    start = time.thread_time()
    while time.monotonic() < until:
        hashlib.sha256(block).digest()
    result.append(time.thread_time() - start)


def ensure_open_files(clients: int) -> None:
    """Raise the soft limit on open files if holding ``clients`` connections needs it."""
    needed = clients * FILES_PER_CLIENT + SPARE_FILES
    try:
        import resource
    except ImportError:  # Windows has no such per-process limit for sockets
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < needed:
        raise SkipCheck(
            f"{clients} connections at once need about {needed} open files, and this machine "
            f"allows {soft}: raise the limit (`ulimit -n 4096`) or check with fewer clients"
        )
