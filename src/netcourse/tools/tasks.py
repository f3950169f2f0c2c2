"""Functions notebook 04 runs in other processes, in a module so that every start method finds them.

A child process started with ``spawn`` or ``forkserver`` gets the function to
run by name (module and function) and imports it; a function defined in a
notebook cell lives in the kernel's ``__main__``, which the child does not
have. Each function here does one small thing the notebook looks at.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from typing import Any

COUNTER = 0  # a module global: each process has its own


def bump() -> int:
    """Add one to this process's ``COUNTER`` and return it."""
    global COUNTER
    COUNTER += 1
    return COUNTER


def identity() -> dict[str, Any]:
    """Who is running this: process name and pid, parent pid, thread name, ident and native id."""
    thread = threading.current_thread()
    return {
        "process": multiprocessing.current_process().name,
        "pid": os.getpid(),
        "parent pid": os.getppid(),
        "thread": thread.name,
        "ident": thread.ident,
        "native_id": thread.native_id,
    }


def report_identity(queue: Any) -> None:
    """Put :func:`identity` on ``queue`` (a process's target cannot return a value)."""
    queue.put(identity())


def update(shared: Any, changes: dict) -> None:
    """``shared.update(changes)``: on a Manager's dict, a request to the manager process."""
    shared.update(changes)


def append_to(shared: Any, key: str, item: Any) -> None:
    """``shared[key].append(item)``: changes a copy when ``shared`` is a Manager's dict."""
    shared[key].append(item)


def squares(numbers: list[int], queue: Any) -> None:
    """Put ``(n, n * n)`` on ``queue`` for each number, then None to say it is done."""
    for n in numbers:
        queue.put((n, n * n))
    queue.put(None)


def shout(conn: Connection) -> None:
    """Answer every message received on ``conn`` with it in capitals, until None arrives."""
    while (message := conn.recv()) is not None:
        conn.send(message.upper())
    conn.close()


def add(total: Any, times: int, locked: bool = True, start: Any = None) -> None:
    """Add one to the shared ``total.value`` ``times`` times, under its lock or not;
    wait at the barrier ``start`` first, if given, so that several processes add at once."""
    if start is not None:
        start.wait()
    for _ in range(times):
        if locked:
            with total.get_lock():
                total.value += 1
        else:
            total.value += 1  # a read and a write, each under the lock, but not together


def fill(name: str, start: int, stop: int, byte: int) -> None:
    """Write ``byte`` into bytes ``start:stop`` of the shared memory block called ``name``."""
    block = SharedMemory(name)
    try:
        block.buf[start:stop] = bytes([byte]) * (stop - start)
    finally:
        block.close()
