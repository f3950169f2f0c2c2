"""CPU-bound requests on an event loop: Beazley's fib server, the stall, and the fix (notebook 07).

The protocol is lines of bytes: a line ``fib N`` is answered with the
``N``-th Fibonacci number on a line of its own, and any other line comes back
as it is (an echo). Each connection gets its answers in the order it asked.

* :func:`serve_on_loop` computes on the reactor's one thread: while it
  computes, no other client is answered.
* :func:`serve_offloaded` hands each ``fib`` to a process pool and goes on
  serving; the pool's result comes back to the loop through a socket pair, so
  the loop never waits for it.
* :func:`probe` measures what another client sees meanwhile: the latency of
  its echoes, round trip after round trip, while ``fib`` requests run.

:func:`fib` runs in worker processes, so it lives here, in an importable
module (Python 3.14 starts pool workers with forkserver on Linux, spawn on
macOS and Windows).

    with nc.hosting.hosted("netcourse.tools.compute:serve_on_loop", "selectors") as host:
        print(nc.compute.probe(host.address, fib_n=30))
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .reactor import EchoConnection, Reactor, serve_echo
from .workloads import process_context

__all__ = [
    "LineConnection",
    "OffloadedConnection",
    "Probe",
    "fib",
    "fib_request",
    "probe",
    "serve_offloaded",
    "serve_on_loop",
    "steps_for",
]


def fib(n: int) -> int:
    """The ``n``-th Fibonacci number (fib(0) = 0, fib(1) = 1), computed the slow way on purpose."""
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def fib_request(line: bytes) -> int | None:
    """``N`` if ``line`` is a request ``fib N``, else None (the line is to be echoed)."""
    parts = line.split()
    if len(parts) == 2 and parts[0] == b"fib" and parts[1].isdigit():
        return int(parts[1])
    return None


def steps_for(seconds: float) -> int:
    """The smallest ``n`` for which ``fib(n)`` takes at least ``seconds`` of CPU here, now."""
    start = time.process_time()
    fib(20)
    took = max(time.process_time() - start, 1e-6)
    n = 20
    while took < seconds and n < 40:
        n, took = n + 1, took * 1.618
    return n


# --- servers on notebook 03's reactor ---------------------------------------------------


class LineConnection(EchoConnection):
    """A client of the fib server: splits what arrives into lines and answers each at once."""

    def __init__(self, reactor: Reactor, conn: socket.socket, gone: Callable) -> None:
        self.partial = bytearray()
        super().__init__(reactor, conn, gone)

    def lines(self, data: bytes) -> list[bytes]:
        """The complete lines (without their newline) that ``data`` finishes."""
        self.partial += data
        *lines, rest = self.partial.split(b"\n")
        self.partial = bytearray(rest)
        return [bytes(line) for line in lines]

    def handle(self, data: bytes) -> bytes:
        answers = bytearray()
        for line in self.lines(data):
            n = fib_request(line)
            answers += line + b"\n" if n is None else b"%d\n" % fib(n)  # on the loop: it stalls
        return bytes(answers)


def serve_on_loop(listener: socket.socket, stop: threading.Event) -> None:
    """The fib server on one reactor thread, computing where it serves (kind ``"selectors"``)."""
    serve_echo(listener, stop, connection=LineConnection)


class Waker:
    """Runs callables on the reactor's thread, sent from any thread: a queue and a socket pair
    whose reading end the reactor watches (what asyncio's ``call_soon_threadsafe`` does)."""

    def __init__(self) -> None:
        self.reader, self.writer = socket.socketpair()
        self.reader.setblocking(False)
        self.writer.setblocking(False)
        self.calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.reactor: Reactor | None = None

    def attach(self, reactor: Reactor) -> None:
        if self.reactor is None:
            self.reactor = reactor
            reactor.add_reader(self.reader, self.on_readable)

    def call(self, function: Callable[[], None]) -> None:
        """From any thread: have the reactor call ``function`` on its next turn."""
        self.calls.put(function)
        with contextlib.suppress(OSError):  # the pipe is full (it will wake anyway) or closed
            self.writer.send(b"!")

    def on_readable(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self.reader.recv(4096):
                pass
        while True:
            try:
                function = self.calls.get_nowait()
            except queue.Empty:
                return
            function()

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


class OffloadedConnection(LineConnection):
    """A client whose ``fib`` requests go to a process pool; answers still leave in order."""

    def __init__(
        self,
        reactor: Reactor,
        conn: socket.socket,
        gone: Callable,
        *,
        pool: ProcessPoolExecutor,
        waker: Waker,
    ) -> None:
        self.pool, self.waker = pool, waker
        self.pending: deque[bytes | Future] = deque()  # answers in the order they were asked for
        waker.attach(reactor)
        super().__init__(reactor, conn, gone)

    def handle(self, data: bytes) -> bytes:
        for line in self.lines(data):
            n = fib_request(line)
            if n is None:
                self.pending.append(line + b"\n")
            else:
                future = self.pool.submit(fib, n)
                self.pending.append(future)
                # runs in the pool's own thread: hand the rest over to the reactor's
                future.add_done_callback(lambda _: self.waker.call(self.flush))
        return self.ready()

    def ready(self) -> bytes:
        """The answers at the front of the line that are ready, in order."""
        out = bytearray()
        while self.pending and _ready(self.pending[0]):
            item = self.pending.popleft()
            out += item if isinstance(item, bytes) else b"%d\n" % item.result()
        return bytes(out)

    def flush(self) -> None:
        if self.conn.fileno() >= 0:
            self.out += self.ready()
            self.on_writable()

    def update(self) -> None:
        if self.ended and self.pending and not self.out:
            # The client has finished sending, but answers are still being computed.
            self.reactor.remove_reader(self.conn)
            self.reactor.remove_writer(self.conn)
            return
        super().update()


def _ready(item: bytes | Future) -> bool:
    return isinstance(item, bytes) or item.done()


def serve_offloaded(listener: socket.socket, stop: threading.Event, workers: int) -> None:
    """The fib server on one reactor thread, computing in ``workers`` processes (kind
    ``"process-pool"``): the loop only hands work over and sends the answers back."""
    waker = Waker()
    try:
        with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:
            connection = partial(OffloadedConnection, pool=pool, waker=waker)
            serve_echo(listener, stop, connection=connection)
    finally:
        waker.close()


# --- the latency probe ------------------------------------------------------------------


@dataclass
class Probe:
    """What a client saw while ``fib`` requests ran: one ``(sent, latency)`` per echo, seconds
    since the start, and one ``(sent, answered)`` span per ``fib`` request."""

    fib_n: int
    echoes: list[tuple[float, float]] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def worst(self, during: bool = True) -> float:
        """The slowest echo (seconds) sent while a fib request ran (or, ``during=False``, not)."""
        chosen = [lat for sent, lat in self.echoes if self._during(sent) == during]
        return max(chosen, default=float("nan"))

    def _during(self, t: float) -> bool:
        return any(start <= t <= end for start, end in self.spans)

    def plot(self, ax: Any, label: str = "") -> None:
        for start, end in self.spans:
            ax.axvspan(start, end, color="tab:red", alpha=0.12)
        xs, ys = zip(*self.echoes, strict=True) if self.echoes else ((), ())
        ax.plot(xs, [y * 1000 for y in ys], marker=".", linestyle="", label=label or None)
        ax.set(xlabel="seconds", ylabel="echo latency (ms)", yscale="log")

    def __str__(self) -> str:
        spans = ", ".join(f"{end - start:.2f} s" for start, end in self.spans)
        lines = [
            f"{len(self.echoes)} echoes; fib({self.fib_n}) requests answered in: {spans or 'none'}",
            f"  slowest echo while fib ran: {self.worst(True) * 1000:.1f} ms; "
            f"otherwise: {self.worst(False) * 1000:.1f} ms",
        ]
        lines += [f"  error: {e}" for e in self.errors]
        return "\n".join(lines)


def probe(
    address: tuple[str, int],
    fib_n: int = 30,
    requests: int = 2,
    seconds: float = 3.0,
    timeout: float = 30.0,
) -> Probe:
    """Echo short lines back to back for ``seconds`` while another client asks for
    ``fib(fib_n)`` ``requests`` times, one after the other, from a third of the way in."""
    result = Probe(fib_n)
    start = time.perf_counter()
    done = threading.Event()

    def echoes() -> None:
        with socket.create_connection(address, timeout=timeout) as sock, sock.makefile("rb") as f:
            while not done.is_set():
                sent = time.perf_counter()
                sock.sendall(b"ping\n")
                if f.readline() != b"ping\n":
                    raise ConnectionError("the echo did not come back")
                result.echoes.append((sent - start, time.perf_counter() - sent))

    def guarded(function: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                function()
            except (OSError, ValueError) as exc:
                result.errors.append(f"{type(exc).__name__}: {exc}")
                done.set()

        return run

    def fibs() -> None:
        time.sleep(seconds / 3)
        with socket.create_connection(address, timeout=timeout) as sock, sock.makefile("rb") as f:
            for _ in range(requests):
                if done.is_set():
                    return
                sent = time.perf_counter()
                sock.sendall(b"fib %d\n" % fib_n)
                if not f.readline().strip().isdigit():
                    raise ConnectionError("the fib request got no number back")
                result.spans.append((sent - start, time.perf_counter() - start))

    threads = [threading.Thread(target=guarded(f), daemon=True) for f in (echoes, fibs)]
    for thread in threads:
        thread.start()
    threads[1].join(timeout)
    time.sleep(max(0.0, seconds - (time.perf_counter() - start)))
    done.set()
    threads[0].join(timeout)
    return result
