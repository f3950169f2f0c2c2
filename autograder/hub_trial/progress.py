"""Progress lines stamped with the time since the trial began, and how long each step took."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_started = time.monotonic()
TIMES: dict[str, float] = {}  # step -> seconds, in the order the steps ran


def elapsed() -> float:
    return time.monotonic() - _started


def continue_clock(seconds: float) -> None:
    """Start this process's clock ``seconds`` ago: the drive carries on the trial's clock."""
    global _started
    _started = time.monotonic() - seconds


def say(message: str) -> None:
    print(f"[{elapsed():7.1f}s] {message}", flush=True)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Print a step's start, and its end with its time (``FAILED`` if it raised)."""
    start = time.monotonic()
    say(f"-> {name}")
    ok = False
    try:
        yield
        ok = True
    finally:
        seconds = time.monotonic() - start
        TIMES[name] = round(seconds, 1)
        say(f"{'ok' if ok else 'FAILED'} {name} ({seconds:.1f}s)")
