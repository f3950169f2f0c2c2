"""The functions the parallel-map checker sends to worker processes.

They live in a module of their own so that a worker process can import them
by name under every start method: ``fork`` copies them, while ``spawn`` and
``forkserver`` import this module afresh in the worker, which is why a
function defined in a notebook cell cannot be sent to those workers.
"""

from __future__ import annotations

import os
import socket

# Set in the checker's process just before a run. A forked worker is a copy of
# that process and sees the value; a spawned one (or one forked from the fork
# server) imported this module afresh and sees "".
PLANTED = ""
# How long a task waits to be let go at a meeting before it gives up.
MEETING_TIMEOUT = 60.0


def square(x: int) -> int:
    return x * x


def identify(x: int) -> tuple[int, int, str]:
    """``(x, the worker's pid, PLANTED as the worker sees it)``."""
    return x, os.getpid(), PLANTED


def fail_on(bad: frozenset[int], x: int) -> int:
    """``x``, unless it is one of ``bad``: then raise ValueError."""
    if x in bad:
        raise ValueError(f"item {x}")
    return x


def meet(address: tuple[str, int], x: int) -> int:
    """Report to the checker's meeting at ``address``, wait until it lets this task go, return x."""
    with socket.create_connection(address, timeout=MEETING_TIMEOUT) as sock:
        sock.sendall(f"{x} {os.getpid()}\n".encode())
        sock.recv(16)  # b"go", or b"" once the meeting is over: either lets the task go
    return x
