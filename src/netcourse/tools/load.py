"""A load generator for echo servers: many clients, every round trip timed.

``C`` clients each send a message of ``size`` bytes, wait until it has come
back whole, and send the next, for a ``duration`` or until ``count`` round
trips are done. With ``reconnect=True`` every round trip opens a connection
of its own (short connections); otherwise each client keeps one (long
connections). All clients run in one thread on non-blocking sockets and one
selector, so the generator costs little CPU per message. It counts bytes; it
does not check them (that is what ``netcourse check-echo`` is for).

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


@dataclass
class LoadResult:
    """What a run measured; latencies are in seconds, one per completed round trip."""

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
    cpu_seconds: float = (
        0.0  # CPU time of this process during the run: the generator, and anything else it runs
    )

    @property
    def messages(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Round trips per second."""
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
                f"  latency p50 {self.p50 * 1000:.3f} ms, p90 {self.p90 * 1000:.3f} ms, "
                f"p99 {self.p99 * 1000:.3f} ms"
            )
        if self.errors:
            lines.append(f"  {self.errors} error(s), the first: {self.first_error}")
        return "\n".join(lines)


class _Client:
    __slots__ = ("done", "echoed", "events", "received", "sent", "sock", "started")

    def __init__(self) -> None:
        self.sock: socket.socket | None = None
        self.sent = self.received = 0
        self.started = 0.0
        self.done = self.echoed = False
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
        client.started = now
        if client.sock is None:
            self.open(client)
        else:
            self.send(client)

    def open(self, client: _Client) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in self.result.address[0] else socket.AF_INET)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        client.sock = sock
        code = sock.connect_ex(self.result.address)
        if code not in CONNECT_ERRORS:
            self.fail(client, OSError(code, os.strerror(code)))
            return
        self.watch(client, selectors.EVENT_WRITE)

    def send(self, client: _Client) -> None:
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
            if client.sent == 0 and client.received == 0:
                error = client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    self.fail(client, OSError(error, os.strerror(error)))
                    return
            self.send(client)
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
            if client.received >= self.result.size:
                self.complete(client, now)

    def complete(self, client: _Client, now: float) -> None:
        self.result.latencies.append(now - client.started)
        self.result.finished.append(now - self.start)
        if not client.echoed:
            client.echoed = True
            self.result.first_echoes.append(now - self.start)
        if self.result.reconnect:
            self.close(client)
        self.begin(client, now)

    def fail(self, client: _Client, exc: BaseException) -> None:
        self.result.errors += 1
        if not self.result.first_error:
            self.result.first_error = f"{type(exc).__name__}: {exc}"
        self.close(client)
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
    that waits ``timeout`` seconds without any progress counts as an error.
    """
    if clients < 1 or size < 1:
        raise ValueError("clients and size must be at least 1")
    if count is None and not duration:
        raise ValueError("give a duration (seconds) or a count (round trips)")
    result = LoadResult((address[0], address[1]), clients, size, reconnect)
    until = time.perf_counter() + (duration or 0)
    state = _Run(result, count, until, timeout)
    bar = _progress_bar(count, duration, progress)
    everyone = [_Client() for _ in range(clients)]
    cpu_start = time.process_time()
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
    result.seconds = max(result.finished[-1] if result.finished else 0.0, 1e-9)
    result.cpu_seconds = time.process_time() - cpu_start
    return result


def _loop(state: _Run, everyone: list[_Client], bar: Any) -> None:
    last_progress = last_shown = time.perf_counter()
    while not all(c.done for c in everyone):
        ready = state.selector.select(0.05)
        now = time.perf_counter()
        for key, events in ready:
            state.on_event(key.data, events, now)
        if ready:
            last_progress = now
        elif now - last_progress > state.timeout:
            for client in everyone:
                if not client.done:
                    state.fail(client, TimeoutError(f"no echo for {state.timeout:g} s"))
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
