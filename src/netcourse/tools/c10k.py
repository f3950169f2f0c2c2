"""Memory per idle connection, and where each design stops (notebook 07's C10K experiment).

Thousands of clients connect to a server in its own process (see
:mod:`netcourse.tools.hosting`), each sends one short message, gets its echo
and then stays connected, silent: an *idle* connection, which is what most
connections of a chat server, a push service or a game lobby are most of the
time. Every so many connections the server's processes are measured from
outside: private memory, threads and (on Linux) the kernel's memory for
thread stacks. A client that gets no echo within a second marks where the
design stops serving new clients.

    holding = nc.c10k.hold(nc.bench.COURSE[2], connections=5000)
    print(holding)
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .bench import Contender
from .hosting import Host, hosted, raise_open_file_limit
from .load import CONNECT_ERRORS

__all__ = ["Holding", "hold", "hold_all", "kernel_stack_bytes"]

MESSAGE = b"still there?"
BATCH = 250  # connections opened, echoed and measured at a time
PATIENCE = 1.0  # a new client that waits this long for its echo is not being served
SPARE_FILES = 200


@dataclass
class Sample:
    connections: int
    memory: int  # bytes, the server's processes' private memory
    threads: int
    kernel_stacks: int  # bytes the whole machine's kernel holds in thread stacks (Linux), or -1


@dataclass
class Holding:
    """One design under idle connections: the samples, and why it stopped (if it did)."""

    server: str
    samples: list[Sample] = field(default_factory=list)
    stopped: str = ""

    @property
    def held(self) -> int:
        return self.samples[-1].connections if self.samples else 0

    def per_connection(self) -> tuple[float, float]:
        """Bytes per connection: the server's private memory, and kernel thread stacks
        (NaN where unknown), from the first sample to the last."""
        if len(self.samples) < 2 or self.samples[-1].connections == self.samples[0].connections:
            return float("nan"), float("nan")
        first, last = self.samples[0], self.samples[-1]
        n = last.connections - first.connections
        stacks = float("nan")
        if first.kernel_stacks >= 0 and last.kernel_stacks >= 0:
            stacks = (last.kernel_stacks - first.kernel_stacks) / n
        return (last.memory - first.memory) / n, stacks

    def __str__(self) -> str:
        memory, stacks = self.per_connection()
        text = f"{self.server}: held {self.held:,} idle connections"
        if self.samples:
            text += f" on {self.samples[-1].threads} threads"
        if memory == memory:  # not NaN
            text += f", {memory / 1024:.1f} KiB of private memory each"
            if stacks == stacks and abs(stacks) >= 1024:
                text += f" (+{stacks / 1024:.1f} KiB of kernel stack)"
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")


def kernel_stack_bytes() -> int:
    """``KernelStack`` of ``/proc/meminfo`` (Linux): every thread's kernel stack; -1 elsewhere."""
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo", encoding="ascii") as info:
        for line in info:
            if line.startswith("KernelStack:"):
                return int(line.split()[1]) * 1024
    return -1


def hold(contender: Contender, connections: int = 10_000, progress: Any = None) -> Holding:
    """Open up to ``connections`` idle connections to a fresh run of ``contender``; measure."""
    soft, _ = raise_open_file_limit()
    if soft >= 0:
        connections = min(connections, soft - SPARE_FILES)
    holding = Holding(contender.name)
    socks: list[socket.socket] = []
    with hosted(contender.spec, contender.kind, contender.workers, contender.options) as host:
        try:
            holding.samples.append(_sample(host, 0))
            while len(socks) < connections and not holding.stopped:
                batch = min(BATCH, connections - len(socks))
                opened, answered, why = _open_batch(host.address, batch)
                socks += opened
                if answered < batch:
                    holding.stopped = why or (
                        f"of {batch} new clients, {answered} got an echo within {PATIENCE:g} s"
                    )
                    socks = socks[: len(socks) - len(opened) + answered]
                    for sock in opened[answered:]:
                        sock.close()
                if not host.running:
                    holding.stopped = "the server's process exited"
                    break
                holding.samples.append(_sample(host, len(socks)))
                if progress is not None:
                    progress.update(len(opened))
        finally:
            for sock in socks:
                sock.close()
    return holding


def hold_all(
    contenders: Iterable[Contender], connections: int = 10_000, progress: bool = True
) -> list[Holding]:
    """:func:`hold` for each contender in turn, under one progress bar."""
    contenders = list(contenders)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=connections * len(contenders), unit="conn", leave=False)
    try:
        found = []
        for contender in contenders:
            start = bar.n if bar is not None else 0
            found.append(hold(contender, connections, bar))
            if bar is not None:  # a design that stopped early skips the rest of its share
                bar.update(start + connections - bar.n)
        return found
    finally:
        if bar is not None:
            bar.close()


def _sample(host: Host, connections: int) -> Sample:
    time.sleep(0.05)  # let the server finish with the last echoes (a thread's first steps)
    usage = host.usage()
    return Sample(connections, usage.memory, usage.threads, kernel_stack_bytes())


def _open_batch(address: tuple[str, int], count: int) -> tuple[list[socket.socket], int, str]:
    """Open ``count`` connections, send each a message, wait for the echoes.

    Returns the sockets (those answered first), how many got their echo, and
    why the others did not, if that is known.
    """
    socks: list[socket.socket] = []
    got: dict[socket.socket, bytearray] = {}
    why = ""
    with selectors.DefaultSelector() as selector:
        for _ in range(count):
            try:
                sock = socket.socket()
            except OSError as exc:
                why = f"this process could not open another socket ({exc.strerror})"
                break
            sock.setblocking(False)
            socks.append(sock)
            if sock.connect_ex(address) not in CONNECT_ERRORS:
                why = "a connection was refused"
                break
            selector.register(sock, selectors.EVENT_WRITE)
            got[sock] = bytearray()
        deadline = time.monotonic() + PATIENCE + count / 1000
        pending = len(got)
        while pending and time.monotonic() < deadline:
            for key, events in selector.select(0.05):
                sock = key.fileobj
                if events & selectors.EVENT_WRITE:
                    try:
                        sock.send(MESSAGE)
                    except OSError:
                        selector.unregister(sock)
                        pending -= 1
                        continue
                    selector.modify(sock, selectors.EVENT_READ)
                    continue
                try:
                    data = sock.recv(64)
                except OSError:
                    data = b""
                got[sock] += data
                if not data or len(got[sock]) >= len(MESSAGE):
                    selector.unregister(sock)
                    pending -= 1
    answered = [s for s in socks if got.get(s) == bytearray(MESSAGE)]
    others = [s for s in socks if got.get(s) != bytearray(MESSAGE)]
    return answered + others, len(answered), why
