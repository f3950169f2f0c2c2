"""What threads and processes cost on this machine: to start, to keep, to send work to.

Each measurement is the best of several rounds, so that a busy moment on a
shared machine does not decide it. Process start-up is timed in a fresh
interpreter (``python -m netcourse.tools.costs``): a kernel that runs
threads must not fork, and a fresh process has nothing imported yet.
"""

from __future__ import annotations

import json
import multiprocessing
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

ROUNDS = 5
START_TIMEOUT = 120.0  # the whole fresh-interpreter measurement, every start method


def best_seconds(work: Callable[[], Any], rounds: int = ROUNDS) -> float:
    """The shortest time ``work()`` took in ``rounds`` tries."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _nothing() -> None:
    pass


def thread_start(count: int = 200) -> float:
    """Seconds to start a thread that does nothing and join it, per thread (best of ROUNDS)."""

    def start_and_join() -> None:
        for _ in range(count):
            thread = threading.Thread(target=_nothing)
            thread.start()
            thread.join()

    return best_seconds(start_and_join) / count


def pool_task(count: int = 200) -> float:
    """Seconds to hand a task that does nothing to a running pool thread and get its result."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_nothing).result()  # the worker thread exists before the clock starts
        return best_seconds(lambda: [pool.submit(_nothing).result() for _ in range(count)]) / count


@dataclass(frozen=True)
class ThreadMemory:
    """Memory per idle thread: resident (pages touched) and virtual (address space reserved)."""

    threads: int
    resident: float  # bytes per thread
    virtual: float  # bytes per thread


def thread_memory(count: int = 100) -> ThreadMemory:
    """Start ``count`` threads that wait on an event, and see how this process's memory grew."""
    import psutil

    me, release = psutil.Process(), threading.Event()
    before = me.memory_info()
    threads = [threading.Thread(target=release.wait, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    during = me.memory_info()
    release.set()
    for thread in threads:
        thread.join()
    return ThreadMemory(count, (during.rss - before.rss) / count, (during.vms - before.vms) / count)


def process_starts(rounds: int = 4) -> dict[str, list[float]]:
    """Seconds to start a process that does nothing and join it, per start method, in order.

    Measured in a fresh interpreter, ``rounds`` times per method: the first start
    of ``forkserver`` also starts its server process.
    """
    done = subprocess.run(
        [sys.executable, "-m", __name__, str(rounds)],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=True,
    )
    return json.loads(done.stdout)


def pickling(value: Any) -> float:
    """Seconds to pickle ``value`` and unpickle it again (best of ROUNDS)."""
    return best_seconds(lambda: pickle.loads(pickle.dumps(value)))


def handing_over(executor: Executor, value: Any) -> float:
    """Seconds for ``executor`` to run ``len(value)`` and hand back the result (best of ROUNDS).

    A process pool pickles ``value`` to send it; a thread pool passes a reference.
    """
    executor.submit(len, b"").result()  # its workers are running before the clock starts
    return best_seconds(lambda: executor.submit(len, value).result())


def _time_starts(rounds: int) -> dict[str, list[float]]:
    found = {}
    for method in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context(method)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            process = context.Process(target=_nothing)
            process.start()
            process.join()
            times.append(time.perf_counter() - start)
        found[method] = times
    return found


if __name__ == "__main__":
    print(json.dumps(_time_starts(int(sys.argv[1]))))
