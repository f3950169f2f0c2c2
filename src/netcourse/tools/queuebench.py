"""How fast a queue class moves items between threads, measured side by side with queue.Queue."""

from __future__ import annotations

import queue
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class QueueTooSlow(Exception):
    """The queue did not move the items within the time allowed (it may be stuck)."""


def throughput(
    queue_class: Callable[..., Any],
    items: int = 50_000,
    producers: int = 2,
    consumers: int = 2,
    maxsize: int = 64,
    timeout: float = 30.0,
) -> float:
    """Items per second that ``producers`` threads put and ``consumers`` threads get."""
    q = queue_class(maxsize)
    end = object()
    per_producer = items // producers

    def produce() -> None:
        for n in range(per_producer):
            q.put(n)

    def consume() -> None:
        while q.get() is not end:
            pass

    takers = [threading.Thread(target=consume, daemon=True) for _ in range(consumers)]
    makers = [threading.Thread(target=produce, daemon=True) for _ in range(producers)]
    start = time.perf_counter()
    deadline = time.monotonic() + timeout
    for thread in (*takers, *makers):
        thread.start()
    for thread in makers:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in makers):
        raise QueueTooSlow(f"the producers were still putting after {timeout:g} s")
    for _ in takers:
        q.put(end)
    for thread in takers:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in takers):
        raise QueueTooSlow(f"the consumers were still getting after {timeout:g} s")
    return per_producer * producers / (time.perf_counter() - start)


@dataclass(frozen=True)
class Comparison:
    """Median throughputs (items/s) of a queue class and of queue.Queue, measured in turns."""

    yours: float
    stdlib: float

    @property
    def ratio(self) -> float:
        """Your queue's throughput as a fraction of queue.Queue's (1.0: as fast)."""
        return self.yours / self.stdlib

    def __str__(self) -> str:
        return (
            f"your queue: {self.yours:,.0f} items/s, queue.Queue: {self.stdlib:,.0f} items/s, "
            f"ratio {self.ratio:.2f}"
        )


def compare(queue_class: Callable[..., Any], rounds: int = 5, **shape: Any) -> Comparison:
    """Measure ``queue_class`` and queue.Queue in alternating rounds; compare the medians."""
    yours, stdlib = [], []
    for _ in range(rounds):
        yours.append(throughput(queue_class, **shape))
        stdlib.append(throughput(queue.Queue, **shape))
    return Comparison(statistics.median(yours), statistics.median(stdlib))
