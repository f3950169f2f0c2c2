"""What one call of select, poll, epoll or kqueue costs as idle descriptors pile up (notebook 03).

    with nc.multiplexing.idle_sockets(1000) as socks:       # 1000 idle, plus one ready
        nc.multiplexing.call_seconds("epoll", socks)

    costs = nc.multiplexing.sweep([10, 100, 1000])          # {"select": [(n, s), ...], ...}

Each call asks, without waiting (timeout 0), which of N idle sockets and one
with a byte waiting are readable; it is timed best of several runs. ``select``
gets the whole list on every call, as its interface demands; the others are
told about the sockets once, before the timing starts.
"""

from __future__ import annotations

import contextlib
import select
import selectors
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = [
    "available",
    "call_seconds",
    "default_selector",
    "idle_sockets",
    "open_files_limit",
    "sweep",
]

# The selector classes of the standard library, and the system call each one makes.
SYSTEM_CALLS = {
    "SelectSelector": "select",
    "PollSelector": "poll",
    "EpollSelector": "epoll",
    "DevpollSelector": "/dev/poll",
    "KqueueSelector": "kqueue",
}
MECHANISMS = ("select", "poll", "epoll", "kqueue")
SPARE = 64  # descriptors left for everything else the process has open
TIMED_FOR = 0.05  # each timing runs the call for about this long


def available() -> list[str]:
    """The mechanisms this platform's ``select`` module offers, of select/poll/epoll/kqueue."""
    return [name for name in MECHANISMS if hasattr(select, name)]


def default_selector() -> str:
    """``selectors.DefaultSelector``'s class name and the system call it makes here."""
    name = selectors.DefaultSelector.__name__
    return f"{name} ({SYSTEM_CALLS.get(name, '?')})"


def open_files_limit(wanted: int) -> int | None:
    """Raise this process's soft limit on open descriptors towards ``wanted``; return the limit.

    None where there is no such limit (Windows limits sockets by memory only).
    """
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


@contextlib.contextmanager
def idle_sockets(count: int) -> Iterator[list[socket.socket]]:
    """``count`` idle connected sockets and, last, one with a byte waiting to be read.

    Each is one end of a ``socket.socketpair()``, so this holds 2 * (count + 1)
    descriptors; all are closed at the end.
    """
    limit = open_files_limit(2 * (count + 1) + SPARE)
    if limit is not None and limit < 2 * (count + 1) + SPARE:
        raise OSError(f"{count} idle sockets need {2 * (count + 1) + SPARE} descriptors; "
                      f"this process may open {limit} (`ulimit -n` raises it)")  # fmt: skip
    pairs: list[tuple[socket.socket, socket.socket]] = []
    try:
        for _ in range(count + 1):
            pairs.append(socket.socketpair())
        pairs[-1][1].send(b"!")
        yield [ours for ours, _ in pairs]
    finally:
        for ours, theirs in pairs:
            ours.close()
            theirs.close()


def _caller(mechanism: str, socks: list[socket.socket]) -> tuple[Callable[[], Any], Callable]:
    """A function that makes one call of ``mechanism`` on ``socks``, and one that cleans up."""
    if mechanism == "select":
        return lambda: select.select(socks, [], [], 0), lambda: None
    if mechanism == "poll":
        poller = select.poll()
        for sock in socks:
            poller.register(sock, select.POLLIN)
        return lambda: poller.poll(0), lambda: None
    if mechanism == "epoll":
        epoll = select.epoll()
        for sock in socks:
            epoll.register(sock, select.EPOLLIN)
        return lambda: epoll.poll(0), epoll.close
    if mechanism == "kqueue":
        kqueue = select.kqueue()
        kqueue.control(
            [select.kevent(s, select.KQ_FILTER_READ, select.KQ_EV_ADD) for s in socks], 0, 0
        )
        return lambda: kqueue.control(None, 16, 0), kqueue.close
    raise ValueError(f"unknown mechanism {mechanism!r}; choose one of {', '.join(MECHANISMS)}")


def call_seconds(mechanism: str, socks: list[socket.socket], repeat: int = 5) -> float:
    """Seconds one call of ``mechanism`` takes on ``socks``: the best of ``repeat`` timings.

    Raises ValueError where the mechanism cannot take so many sockets (select's limit).
    """
    call, done = _caller(mechanism, socks)
    try:
        if len(call()[0] if mechanism == "select" else call()) != 1:
            raise RuntimeError(f"{mechanism} did not find the one ready socket")
        number = 1
        while True:  # how many calls take about TIMED_FOR seconds
            took = _time(call, number)
            if took >= TIMED_FOR / 10:
                break
            number *= 4
        number = max(1, int(number * TIMED_FOR / took))
        return min(_time(call, number) for _ in range(repeat)) / number
    finally:
        done()


def _time(call: Callable[[], Any], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        call()
    return time.perf_counter() - start


def sweep(
    counts: Iterable[int], mechanisms: Iterable[str] | None = None, progress: bool = True
) -> dict[str, list[tuple[int, float]]]:
    """Seconds per call for each mechanism at each count of idle sockets.

    A mechanism drops out at the first count it cannot handle (select past its
    descriptor limit); a count the process cannot open ends the sweep.
    """
    mechanisms = list(mechanisms or available())
    counts = sorted(counts)
    results: dict[str, list[tuple[int, float]]] = {m: [] for m in mechanisms}
    bar = _progress(len(counts) * len(mechanisms), progress)
    out: set[str] = set()
    try:
        for count in counts:
            with contextlib.ExitStack() as stack:
                try:
                    socks = stack.enter_context(idle_sockets(count))
                except OSError:  # more descriptors than this process may open
                    break
                for mechanism in mechanisms:
                    if mechanism not in out:
                        try:
                            results[mechanism].append((count, call_seconds(mechanism, socks)))
                        except ValueError:  # past select's limit
                            out.add(mechanism)
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return results


def _progress(total: int, wanted: bool) -> Any:
    if not wanted:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="timing", leave=False)
