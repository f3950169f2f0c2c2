"""A load generator for echo servers: many clients, every round trip timed.

``C`` clients each send a message of ``size`` bytes, wait until it has come
back whole, and send the next, for a ``duration`` or until ``count`` round
trips are done. With ``reconnect=True`` every round trip opens a connection
of its own (short connections); otherwise each client keeps one (long
connections). All clients run in one thread on non-blocking sockets and one
selector, so the generator costs little CPU per message. It counts bytes; it
does not check them (that is what ``netcourse check-echo`` is for).

What it measures, and over what:

* **throughput** is the round trips that completed within the measured
  window, divided by its length: the ``duration`` (a trip still under way
  when the window closes is not counted, and not waited for), or, with
  ``count``, the time until the last of them came back;
* **latency** runs from the moment a message's first byte is sent to the
  moment its echo is complete: waiting for a connection is not part of it;
* clients that **never got a connection**, or got one but **never an
  answer**, are counted and named (a server that accepts fewer clients than
  asked for shows here, not as a slow average).

    result = nc.load.run(address, clients=10, size=64, duration=2)
    print(result)                                # throughput, p50/p90/p99 latency
    plt.hist(result.latencies_ms, bins=50)       # the data plots as it is
    plt.plot(*result.timeline())                 # round trips per second over time
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

CONNECT_ERRORS = (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY)
RECEIVE_CHUNK = 65536
PROGRESS_EVERY = 0.1  # seconds between progress bar updates
TIMEOUT_SCAN = 0.1  # seconds between looks for clients that waited too long
SHOWN_CLIENTS = 8  # clients named in the summary (the JSON names them all)


@dataclass
class LoadResult:
    """What a run measured; latencies are in seconds, one per completed round trip.

    ``unconnected`` and ``unanswered`` are the numbers (from 0) of the clients
    that never got a connection, and of those that got one but never an echo.
    """

    address: tuple[str, int]
    clients: int
    size: int
    reconnect: bool
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)  # seconds since the start
    first_echoes: list[float] = field(default_factory=list)  # each client's first, since the start
    errors: int = 0
    first_error: str = ""
    unconnected: list[int] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)
    cpu_seconds: float = (
        0.0  # CPU time of this process during the run: the generator, and anything else it runs
    )

    @property
    def messages(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Round trips per second over the measured window."""
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def latencies_ms(self) -> list[float]:
        return [x * 1000 for x in self.latencies]

    def percentile(self, p: float) -> float:
        """The latency (seconds) that ``p`` percent of round trips did not exceed."""
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        cuts = statistics.quantiles(self.latencies, n=1000, method="inclusive")
        return cuts[min(len(cuts) - 1, max(0, round(p * 10) - 1))]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p90(self) -> float:
        return self.percentile(90)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    def timeline(self, step: float = 0.1) -> tuple[list[float], list[float]]:
        """``(times, rates)``: round trips per second in each ``step`` of the run."""
        bins = [0] * max(1, int(self.seconds / step + 0.999))
        for t in self.finished:
            bins[min(len(bins) - 1, int(t / step))] += 1
        return [i * step for i in range(len(bins))], [n / step for n in bins]

    def summary(self) -> dict[str, Any]:
        """The numbers, as ``netcourse load --json`` writes them."""
        return {
            "address": f"{self.address[0]}:{self.address[1]}",
            "clients": self.clients,
            "size": self.size,
            "reconnect": self.reconnect,
            "seconds": round(self.seconds, 3),
            "messages": self.messages,
            "throughput": round(self.throughput, 1),
            "latency_ms": {
                name: round(getattr(self, name) * 1000, 3) for name in ("p50", "p90", "p99")
            },
            "errors": self.errors,
            "first_error": self.first_error,
            "unconnected": {"count": len(self.unconnected), "clients": self.unconnected},
            "unanswered": {"count": len(self.unanswered), "clients": self.unanswered},
            "generator_cpu_seconds": round(self.cpu_seconds, 3),
        }

    def __str__(self) -> str:
        kind = "a new connection per message" if self.reconnect else "one connection per client"
        lines = [
            f"{self.clients} client(s), {self.size}-byte messages, {kind}",
            f"  {self.messages} round trips in {self.seconds:.2f} s: "
            f"{self.throughput:,.0f} per second",
        ]
        if self.latencies:
            lines.append(
                f"  latency (send to echo) p50 {self.p50 * 1000:.3f} ms, "
                f"p90 {self.p90 * 1000:.3f} ms, p99 {self.p99 * 1000:.3f} ms"
            )
        for numbers, what in (
            (self.unconnected, "never got a connection"),
            (self.unanswered, "got a connection but never an answer"),
        ):
            if numbers:
                lines.append(f"  {len(numbers)} client(s) {what}: {_names(numbers)}")
        if self.errors:
            lines.append(f"  {self.errors} error(s), the first: {self.first_error}")
        return "\n".join(lines)


def _names(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:SHOWN_CLIENTS])
    more = f" and {len(numbers) - SHOWN_CLIENTS} more" if len(numbers) > SHOWN_CLIENTS else ""
    return f"client {shown}{more}" if len(numbers) == 1 else f"clients {shown}{more}"


class _Client:
    __slots__ = (
        "answers",
        "connected",
        "connecting",
        "done",
        "events",
        "number",
        "received",
        "sent",
        "sock",
        "started",
        "waiting_since",
    )

    def __init__(self, number: int) -> None:
        self.number = number
        self.sock: socket.socket | None = None
        self.sent = self.received = 0
        self.started = 0.0  # when the first byte of the current message went out
        self.waiting_since = 0.0  # when the client last made progress
        self.connecting = False
        self.connected = False  # ever
        self.answers = 0
        self.done = False
        self.events = 0  # what the selector watches for; changed only when it must be


class _Run:
    """One run of the generator: the clients, their selector, the clock and the tally."""

    def __init__(self, result: LoadResult, count: int | None, until: float, timeout: float):
        self.result = result
        self.message = bytes(result.size) if result.size else b""
        self.count, self.until, self.timeout = count, until, timeout
        self.started_trips = 0
        self.selector = selectors.DefaultSelector()
        self.buffer = bytearray(RECEIVE_CHUNK)
        self.start = time.perf_counter()

    def more_wanted(self, now: float) -> bool:
        if self.count is not None:
            return self.started_trips < self.count
        return now < self.until

    def begin(self, client: _Client, now: float) -> None:
        """Start the client's next round trip, or retire it."""
        if not self.more_wanted(now):
            self.retire(client)
            return
        self.started_trips += 1
        client.sent = client.received = 0
        client.waiting_since = now
        if client.sock is None:
            self.open(client)
        else:
            self.send(client, now)

    def open(self, client: _Client) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in self.result.address[0] else socket.AF_INET)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        client.sock = sock
        client.connecting = True
        code = sock.connect_ex(self.result.address)
        if code not in CONNECT_ERRORS:
            self.fail(client, OSError(code, os.strerror(code)))
            return
        self.watch(client, selectors.EVENT_WRITE)

    def send(self, client: _Client, now: float) -> None:
        if client.sent == 0:
            client.started = now  # the round trip's latency starts with its first byte
        try:
            client.sent += client.sock.send(self.message[client.sent :])
        except BlockingIOError:
            pass
        except OSError as exc:
            self.fail(client, exc)
            return
        unsent = client.sent < self.result.size
        self.watch(client, selectors.EVENT_READ | (selectors.EVENT_WRITE if unsent else 0))

    def watch(self, client: _Client, events: int) -> None:
        if events == client.events:
            return
        if client.events:
            self.selector.modify(client.sock, events, client)
        else:
            self.selector.register(client.sock, events, client)
        client.events = events

    def on_event(self, client: _Client, events: int, now: float) -> None:
        if events & selectors.EVENT_WRITE:
            if client.connecting:
                error = client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    self.fail(client, OSError(error, os.strerror(error)))
                    return
                client.connecting, client.connected = False, True
                client.waiting_since = now
            self.send(client, now)
        if events & selectors.EVENT_READ:
            try:
                n = client.sock.recv_into(self.buffer)
            except BlockingIOError:
                return
            except OSError as exc:
                self.fail(client, exc)
                return
            if n == 0:
                self.fail(client, ConnectionError("the server closed the connection"))
                return
            client.received += n
            client.waiting_since = now
            if client.received >= self.result.size:
                self.complete(client, now)

    def complete(self, client: _Client, now: float) -> None:
        if self.count is None and now > self.until:
            self.retire(client)  # after the window: not counted, and nothing more is sent
            return
        self.result.latencies.append(now - client.started)
        self.result.finished.append(now - self.start)
        if client.answers == 0:
            self.result.first_echoes.append(now - self.start)
        client.answers += 1
        if self.result.reconnect:
            self.close(client)
        self.begin(client, now)

    def give_up_on_slow(self, clients: list[_Client], now: float) -> None:
        """Fail the clients that waited ``timeout`` seconds for a connection or an echo."""
        for client in clients:
            if not client.done and now - client.waiting_since > self.timeout:
                waited = "a connection" if client.connecting else "its echo"
                self.fail(
                    client,
                    TimeoutError(f"client {client.number} waited {self.timeout:g} s for {waited}"),
                )

    def fail(self, client: _Client, exc: BaseException) -> None:
        self.result.errors += 1
        if not self.result.first_error:
            self.result.first_error = f"{type(exc).__name__}: {exc}"
        self.retire(client)

    def close(self, client: _Client) -> None:
        if client.sock is not None:
            if client.events:
                self.selector.unregister(client.sock)
                client.events = 0
            client.sock.close()
            client.sock = None

    def retire(self, client: _Client) -> None:
        self.close(client)
        client.done = True


def run(
    address: tuple[str, int],
    clients: int = 1,
    size: int = 64,
    duration: float | None = 2.0,
    count: int | None = None,
    reconnect: bool = False,
    progress: bool = True,
    timeout: float = 5.0,
) -> LoadResult:
    """Load the echo server at ``address`` and measure; see the module's docstring.

    Give ``count`` (round trips in all) or ``duration`` (seconds). A client
    that waits ``timeout`` seconds for a connection or an echo counts as an error.
    """
    if clients < 1 or size < 1:
        raise ValueError("clients and size must be at least 1")
    if count is None and not duration:
        raise ValueError("give a duration (seconds) or a count (round trips)")
    result = LoadResult((address[0], address[1]), clients, size, reconnect)
    bar = _progress_bar(count, duration, progress)
    everyone = [_Client(number) for number in range(clients)]
    cpu_start = time.process_time()
    state = _Run(result, count, time.perf_counter() + (duration or 0), timeout)
    try:
        now = time.perf_counter()
        for client in everyone:
            state.begin(client, now)
        _loop(state, everyone, bar)
    finally:
        for client in everyone:
            state.close(client)
        state.selector.close()
        if bar is not None:
            bar.close()
    if count is None:
        result.seconds = float(duration)
    else:
        result.seconds = max(result.finished[-1] if result.finished else 0.0, 1e-9)
    result.cpu_seconds = time.process_time() - cpu_start
    result.unconnected = [c.number for c in everyone if not c.connected]
    result.unanswered = [c.number for c in everyone if c.connected and not c.answers]
    return result


def _loop(state: _Run, everyone: list[_Client], bar: Any) -> None:
    last_scan = last_shown = time.perf_counter()
    select = state.selector.select
    while True:
        now = time.perf_counter()
        if state.count is None and now >= state.until:
            break  # the window has closed: what is under way is neither counted nor awaited
        if all(c.done for c in everyone):
            break
        wait = 0.05 if state.count is not None else min(0.05, state.until - now)
        for key, events in select(wait):
            state.on_event(key.data, events, time.perf_counter())
        now = time.perf_counter()
        if now - last_scan >= TIMEOUT_SCAN:
            state.give_up_on_slow(everyone, now)
            last_scan = now
        if bar is not None and now - last_shown >= PROGRESS_EVERY:
            _show(bar, state, now)
            last_shown = now
    if bar is not None:
        _show(bar, state, time.perf_counter())


def _progress_bar(count: int | None, duration: float | None, wanted: bool) -> Any:
    if not wanted:
        return None
    from tqdm.auto import tqdm

    if count is not None:
        return tqdm(total=count, unit="msg", leave=False)
    return tqdm(
        total=round(duration, 1),
        unit="s",
        leave=False,
        bar_format="{l_bar}{bar}| {n:.1f}/{total} s",
    )


def _show(bar: Any, state: _Run, now: float) -> None:
    done = state.result.messages if state.count is not None else min(now - state.start, bar.total)
    bar.update(done - bar.n)
