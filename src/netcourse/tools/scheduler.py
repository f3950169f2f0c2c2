"""A round-robin scheduler of generator tasks, and an echo server on it (notebook 06).

Tasks are generators; what a task yields says what it waits for (a *trap*):
``None`` (its turn is over), ``("sleep", seconds)``, ``("readable", sock)``,
``("writable", sock)`` and ``("spawn", generator)``. The contract, and the
checks a scheduler of yours must pass, are in
:mod:`netcourse.checks.schedulers`. :func:`serve` is an echo server made of
such tasks, one per connection and one that accepts: no threads and no
callbacks, one selector. Notebook 07 runs it beside the course's other servers.

    nc.scheduler.run([countdown("a", 3), countdown("b", 2)])
    with nc.serving.running(nc.scheduler.serve, "selectors") as address:
        print(nc.load.run(address, clients=10))
"""

from __future__ import annotations

import heapq
import itertools
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable
from typing import Any

__all__ = ["accept", "echo", "run", "serve"]

Task = Generator[Any, Any, Any]
CHUNK = 65536
_EVENTS = {"readable": selectors.EVENT_READ, "writable": selectors.EVENT_WRITE}


def run(tasks: Iterable[Task]) -> list[Any]:
    """Run the tasks and those they spawn until every given task has ended; return their values.

    Spawned tasks still unfinished then are closed. An exception that escapes
    a task closes every other task and is raised here.
    """
    given = list(tasks)
    values: dict[int, Any] = {}
    alive = set(given)
    ready = deque(given)
    sleepers: list[tuple[float, int, Task]] = []  # a heap of (deadline, tie-breaker, task)
    tie = itertools.count()
    with selectors.DefaultSelector() as selector:
        try:
            while len(values) < len(given):
                for _ in range(len(ready)):  # one time round the line
                    task = ready.popleft()
                    try:
                        trap = task.send(None)
                        while isinstance(trap, tuple) and trap[0] == "spawn":
                            alive.add(trap[1])
                            ready.append(trap[1])
                            trap = task.send(None)  # the spawner goes on at once
                    except StopIteration as end:
                        alive.discard(task)
                        if task in given:
                            values[given.index(task)] = end.value
                        continue
                    if trap is None:
                        ready.append(task)
                    elif trap[0] == "sleep":
                        heapq.heappush(sleepers, (time.monotonic() + trap[1], next(tie), task))
                    else:
                        selector.register(trap[1], _EVENTS[trap[0]], task)
                _wait(selector, sleepers, ready)
        finally:
            for task in alive:
                task.close()
    return [values[n] for n in range(len(given))]


def _wait(selector: selectors.BaseSelector, sleepers: list, ready: deque) -> None:
    """Move the tasks whose socket is ready or whose deadline has passed into ``ready``.

    With tasks ready, only look (timeout 0); otherwise wait, until the next
    deadline at most.
    """
    if ready:
        timeout: float | None = 0
    elif sleepers:
        timeout = max(0.0, sleepers[0][0] - time.monotonic())
    else:
        timeout = None
    if selector.get_map():
        for key, _ in selector.select(timeout):
            selector.unregister(key.fileobj)
            ready.append(key.data)
    elif timeout:
        time.sleep(timeout)  # only sleepers: on Windows select() refuses to wait on nothing
    while sleepers and sleepers[0][0] <= time.monotonic():
        ready.append(heapq.heappop(sleepers)[2])


def echo(conn: socket.socket) -> Task:
    """Echo one client on a non-blocking socket, waiting only when the socket is not ready."""
    with conn:
        try:
            while True:
                try:
                    data = conn.recv(CHUNK)
                except BlockingIOError:
                    yield "readable", conn
                    continue
                if not data:
                    return  # the client is done sending, and has had every byte back
                unsent = memoryview(data)
                while unsent:
                    try:
                        unsent = unsent[conn.send(unsent) :]
                    except BlockingIOError:
                        yield "writable", conn
        except ConnectionError:
            pass  # the client reset: this task ends, the others go on


def accept(listener: socket.socket, stop: threading.Event) -> Task:
    """Accept connections and spawn an echo task for each, until ``stop`` is set."""
    listener.setblocking(False)
    while True:
        yield "readable", listener
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            continue
        if stop.is_set():  # the harness's wake-up connection
            conn.close()
            return
        conn.setblocking(False)
        yield "spawn", echo(conn)


def serve(listener: socket.socket, stop: threading.Event) -> None:
    """An echo server of generator tasks on one selector (the contract's ``selectors`` kind)."""
    run([accept(listener, stop)])
