"""The convoy effect, measured: an echo server's latency while a CPU-bound thread shares its GIL.

    result = nc.convoy.measure(switch_interval=0.005, cpu=True, duration=1)
    print(result)      # the echo's latency percentiles, and the CPU thread's work rate

A child process runs :func:`netcourse.tools.echo_threads.serve` (a thread per
connection) and, with ``cpu=True``, a thread that does pure-Python work and
counts it, both under ``sys.setswitchinterval(switch_interval)``. This
process loads the server with :func:`netcourse.tools.load.run` from outside,
so the load generator never competes for the server's GIL, only for cores.
The child is started with forkserver (spawn where there is none): its
functions live here, in a module it can import.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from . import echo_threads, load
from .workloads import process_context

START_TIMEOUT = 30.0  # a child process on a busy machine may take seconds to start
REPLY_TIMEOUT = 10.0
WARM_UP = 0.2  # seconds of load before the measurement, so that both sides are running
SPIN = 1000  # loop iterations in one round of the CPU thread's work


@dataclass
class ConvoyResult:
    """One run: the echo's latencies, and the CPU thread's rounds per second without load
    and under it (None for a server alone)."""

    switch_interval: float
    cpu: bool
    echo: load.LoadResult
    quiet_rate: float | None
    loaded_rate: float | None

    @property
    def cpu_share(self) -> float | None:
        """The CPU thread's rate under load, as a share of its rate without load."""
        if not self.quiet_rate or self.loaded_rate is None:
            return None
        return self.loaded_rate / self.quiet_rate

    def __str__(self) -> str:
        side = "beside a CPU-bound thread" if self.cpu else "alone"
        lines = [
            f"switch interval {self.switch_interval * 1000:g} ms, echo server {side}",
            f"  echo: {self.echo.messages} round trips, latency p50 {self.echo.p50 * 1000:.3f} ms, "
            f"p99 {self.echo.p99 * 1000:.3f} ms",
        ]
        if self.cpu_share is not None:
            lines.append(
                f"  CPU thread: {self.loaded_rate:,.0f} rounds of work per second under load, "
                f"{self.cpu_share:.0%} of its {self.quiet_rate:,.0f} without"
            )
        return "\n".join(lines)


class _Counter:
    """A thread that does pure-Python work in rounds and counts them, until stopped."""

    def __init__(self) -> None:
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-bound", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for _ in range(SPIN):
                pass
            self.rounds += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _serve_beside(conn: Connection, switch_interval: float, cpu: bool) -> None:
    """The child process: a thread-per-connection echo server, and maybe a CPU-bound thread.

    It answers "mark" with nothing and, after the last mark, sends the CPU thread's
    rounds per second between each mark and the next (None without a CPU thread).
    """
    sys.setswitchinterval(switch_interval)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    server = threading.Thread(target=echo_threads.serve, args=(listener, stop), daemon=True)
    server.start()
    counter = _Counter() if cpu else None
    conn.send(listener.getsockname()[:2])
    marks = []
    while conn.recv() == "mark":
        marks.append((time.perf_counter(), counter.rounds if counter else 0))
    if counter:
        counter.stop()
    stop.set()
    with contextlib.suppress(OSError):
        socket.create_connection(listener.getsockname()[:2], timeout=1).close()
    server.join(2)
    listener.close()
    rates = [(r2 - r1) / (t2 - t1) for (t1, r1), (t2, r2) in itertools.pairwise(marks)]
    conn.send(rates if counter else None)


def _reply(conn: Connection, what: str) -> object:
    if not conn.poll(REPLY_TIMEOUT if what != "address" else START_TIMEOUT):
        raise TimeoutError(f"the server process sent no {what} in time")
    return conn.recv()


def measure(
    switch_interval: float = 0.005,
    cpu: bool = True,
    *,
    duration: float = 1.0,
    clients: int = 1,
    size: int = 64,
) -> ConvoyResult:
    """Run the server (beside a CPU-bound thread with ``cpu``) and load it for ``duration`` s.

    The CPU thread's rate is also measured for ``duration`` seconds without
    load, in the same run, so that the share it keeps under load compares two
    numbers taken on the same machine at the same time.
    """
    context = process_context()
    ours, theirs = context.Pipe()
    child = context.Process(
        target=_serve_beside, args=(theirs, switch_interval, cpu), name="convoy", daemon=True
    )
    child.start()
    theirs.close()
    try:
        address = _reply(ours, "address")
        load.run(address, clients=clients, size=size, duration=WARM_UP, progress=False)
        ours.send("mark")
        time.sleep(duration)
        ours.send("mark")
        echo = load.run(address, clients=clients, size=size, duration=duration, progress=False)
        ours.send("mark")
        ours.send("done")
        rates = _reply(ours, "result")
    finally:
        child.join(REPLY_TIMEOUT)
        if child.is_alive():
            child.kill()
            child.join()
        ours.close()
    quiet, loaded = rates if rates else (None, None)
    return ConvoyResult(switch_interval, cpu, echo, quiet, loaded)
