"""The checker of a server that stays responsive while it computes (notebook 07, exercise 1).

The contract
============

``async def serve(listener, stop, workers)``: the asyncio contract of
:mod:`netcourse.checks.echo` plus ``workers``, the most worker processes it
may run. The protocol is lines of bytes, each ending with ``b"\\n"``:

* ``fib N`` is answered with the ``N``-th Fibonacci number on a line of its
  own (``b"fib 10\\n"`` gets ``b"55\\n"``; fib(0) is 0, fib(1) is 1), computed
  in a process pool of ``workers`` processes that the server creates once;
* any other line comes back as it is (an echo);
* each connection gets its answers in the order it asked.

The checks
==========

``echo`` (other lines come back), ``compute`` (right answers, in order, from
lines that arrive in pieces or several at once), ``offloaded`` (the
computing happens in other processes, not in the server's own: its threads'
CPU time while requests are computed stays far below what one computation
takes), ``responsive`` (a client gets its echoes while fib requests are
being computed: the loop never waits for a result), ``one-pool`` (at most
``workers`` processes ever serve, the same ones from one request to the
next), ``leaks`` (connections closed when their clients finish) and
``stop`` (it returns when told, leaving no process, thread or connection).
None of them measures speed: the probes are ordered (did the echo come back
before the result?) or compare CPU time with CPU time.
"""

from __future__ import annotations

import contextlib
import random
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import psutil

from .echo.probes import left_behind, wait_ready
from .harness.core import CheckFailure, Checklist, NotAttempted, Report, SkipCheck
from .harness.server import Server
from .harness.sessions import run_server_checks

__all__ = ["CHECKS", "check_server"]

CONNECT_TIMEOUT = 3.0
PATIENCE = 2.0  # seconds an echo or a small fib may take
START_PATIENCE = 20.0  # the first computation waits for the pool's processes to start
HEAVY_CPU = 0.4  # seconds of CPU one heavy request takes (calibrated on this machine)
IN_PROCESS_SHARE = 0.5  # of one heavy computation: more than this ran in the server's process
PROBE_ECHOES = 5
LEAK_CLIENTS = 6
LEAK_SETTLE = 0.5
STOP_PATIENCE = 3.0
TICK = 0.02

OFFLOAD_ADVICE = (
    "hand each fib to a concurrent.futures.ProcessPoolExecutor: `await "
    "loop.run_in_executor(pool, nc.compute.fib, n)`; a thread (asyncio.to_thread, the default "
    "executor) still computes in this process, under its GIL"
)


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def _slow_fib(n: int) -> int:
    return n if n < 2 else _slow_fib(n - 1) + _slow_fib(n - 2)


def heavy_n(seconds: float = HEAVY_CPU) -> int:
    """The smallest n for which the recursive fib(n) takes ``seconds`` of CPU here, now."""
    start = time.process_time()
    _slow_fib(20)
    took, n = max(time.process_time() - start, 1e-6), 20
    while took < seconds and n < 34:
        n, took = n + 1, took * 1.618
    return max(n, 24)


@dataclass(frozen=True)
class Settings:
    workers: int
    seed: int
    heavy: int  # n of a request that takes about HEAVY_CPU seconds


@dataclass(frozen=True)
class Trial:
    server: Server
    settings: Settings


CHECKS: Checklist[Trial] = Checklist("offload")


class Line:
    """A client of the line protocol, with a deadline on every wait."""

    def __init__(self, server: Server) -> None:
        try:
            self.sock = socket.create_connection(server.address, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            server.check_running()
            raise CheckFailure(f"could not connect to the server ({exc})") from None
        self.server = server
        self.buffer = bytearray()
        self.eof = False

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise CheckFailure(
                f"the server closed the connection: sending failed ({exc})"
            ) from None

    def has_line(self) -> bool:
        """Whether a whole line has arrived (without waiting for one)."""
        self._read(0.0)
        return b"\n" in self.buffer

    def line(self, timeout: float, what: str) -> bytes:
        """The next line, without its newline; a CheckFailure naming ``what`` if none comes."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                got = f" (got {bytes(self.buffer)!r} so far)" if self.buffer else ""
                if self.eof:
                    raise CheckFailure(f"the server closed the connection before {what}{got}")
                raise CheckFailure(f"no answer to {what} within {timeout:g} s{got}")
            self._read(min(left, TICK * 5))
            self.server.check_running()
        line, _, self.buffer = self.buffer.partition(b"\n")
        return bytes(line)

    def _read(self, timeout: float) -> None:
        if self.eof:
            return
        self.sock.settimeout(timeout) if timeout else self.sock.setblocking(False)
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, TimeoutError, InterruptedError):
            return
        except OSError:
            data = b""
        self.buffer += data
        self.eof = not data

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def lines(server: Server, count: int):
    made: list[Line] = []
    try:
        for _ in range(count):
            made.append(Line(server))
        yield made
    finally:
        for client in made:
            client.close()


def _expect(client: Line, request: bytes, want: bytes, timeout: float = PATIENCE) -> None:
    what = f"the line {request!r}"
    got = client.line(timeout, what)
    if got != want:
        raise CheckFailure(f"{what} got {got!r} back instead of {want!r} (and a newline)")


# --- the checks ---------------------------------------------------------------------


@CHECKS.check("echo")
def echo(trial: Trial) -> None:
    with lines(trial.server, 1) as (client,):
        for send, wants in [
            ([b"hello\n"], [b"hello"]),
            ([b"two\nlines\n"], [b"two", b"lines"]),
            ([b"a line in ", b"two pieces\n"], [b"a line in two pieces"]),
            ([b"fibonacci\n"], [b"fibonacci"]),
        ]:
            for piece in send:
                client.send(piece)
                time.sleep(TICK)
            request = b"".join(send)
            try:
                for want in wants:
                    _expect(client, request, want)
            except NotAttempted:
                raise
            except CheckFailure as exc:
                raise CheckFailure(
                    f"an echo line went wrong: {exc}. A line that is not `fib N` comes back "
                    "as it is, newline included: read with `await reader.readline()`"
                ) from None


@CHECKS.check("compute")
def compute(trial: Trial) -> None:
    rng = random.Random(f"{trial.settings.seed}/compute")
    ns = [0, 1, 2, 10, rng.randint(11, 22)]
    with lines(trial.server, 1) as (client,):
        cases = [([b"fib %d\n" % n], [b"%d" % fib(n)]) for n in ns]
        cases += [
            ([b"fib 5\nfib 6\n"], [b"5", b"8"]),
            ([b"fi", b"b 7\n"], [b"13"]),
            ([b"fib 22\nfib 3\n"], [b"%d" % fib(22), b"2"]),  # in order, not as they finish
        ]
        for number, (send, wants) in enumerate(cases):
            for piece in send:
                client.send(piece)
                time.sleep(TICK)
            request = b"".join(send)
            try:
                for want in wants:
                    _expect(client, request, want, START_PATIENCE if number == 0 else PATIENCE)
            except NotAttempted:
                raise
            except CheckFailure as exc:
                raise CheckFailure(
                    f"a fib request went wrong: {exc}. Answer `fib N` with the number and a "
                    "newline, each line in the order it came, whole lines only (readline())"
                ) from None


def _server_threads_cpu(server: Server) -> float:
    """CPU seconds used so far by the server's own threads (on macOS: by this whole process)."""
    me = psutil.Process()
    if server.cpu_is_whole_process:
        times = me.cpu_times()
        return times.user + times.system
    ids = {t.native_id for t in server.threads()}
    return sum(t.user_time + t.system_time for t in me.threads() if t.id in ids)


def _heavy_requests(trial: Trial, count: int) -> tuple[list[Line], bytes, Any]:
    """``count`` clients, each asking for the heavy fib (the caller closes them)."""
    request = b"fib %d\n" % trial.settings.heavy
    stack = contextlib.ExitStack()
    clients = stack.enter_context(lines(trial.server, count))
    for client in clients:
        client.send(request)
    return clients, request, stack


def _await_answers(trial: Trial, clients: list[Line], request: bytes) -> None:
    want = b"%d" % fib(trial.settings.heavy)
    deadline = START_PATIENCE + 4 * HEAVY_CPU * len(clients)
    for client in clients:
        got = client.line(deadline, f"the line {request!r}")
        if got != want:
            raise SkipCheck(f"{request!r} got {got!r} back: see compute")


@CHECKS.check("offloaded")
def offloaded(trial: Trial) -> None:
    server, workers = trial.server, trial.settings.workers
    before = _server_threads_cpu(server)
    clients, request, stack = _heavy_requests(trial, workers)
    with stack:
        try:
            _await_answers(trial, clients, request)
        except NotAttempted:
            raise
        except CheckFailure as exc:
            raise SkipCheck(f"{exc}: see compute") from None
    used = _server_threads_cpu(server) - before
    one = _one_heavy_cpu(trial.settings.heavy)
    if used > IN_PROCESS_SHARE * one:
        raise CheckFailure(
            f"fib ran in the server's own process: its threads used {used:.2f} s of CPU for "
            f"{workers} request(s) {request.strip()!r} (one takes about {one:.2f} s here); "
            + OFFLOAD_ADVICE
        )


def _one_heavy_cpu(n: int) -> float:
    start = time.process_time()
    _slow_fib(20)
    return max(time.process_time() - start, 1e-6) * 1.618 ** (n - 20)


@CHECKS.check("responsive")
def responsive(trial: Trial) -> None:
    server, workers = trial.server, trial.settings.workers
    with lines(server, 1) as (probe,):
        probe.send(b"ping 0\n")
        try:
            _expect(probe, b"ping 0\n", b"ping 0")
        except NotAttempted:
            raise
        except CheckFailure as exc:
            raise SkipCheck(f"{exc}: see echo") from None
        before = _server_threads_cpu(server)
        clients, request, stack = _heavy_requests(trial, workers)
        with stack:
            waited = _probe_while_computing(
                probe, clients, START_PATIENCE + 4 * HEAVY_CPU * workers
            )
            if waited is None:
                return
            try:
                _await_answers(trial, clients, request)
            except NotAttempted:
                raise
            except CheckFailure:
                pass
        used = _server_threads_cpu(server) - before
    if used > IN_PROCESS_SHARE * _one_heavy_cpu(trial.settings.heavy):
        raise SkipCheck("the loop stalled while fib ran in the server's process: see offloaded")
    raise CheckFailure(
        f"the loop stopped answering while fib ran: an echo sent while {workers} request(s) "
        f"{request.strip()!r} were computing came back only after a result ({waited:.2f} s). "
        "Never wait on the loop for a result (future.result() blocks it): `await` it, so that "
        "the loop serves the others meanwhile"
    )


def _probe_while_computing(probe: Line, computing: list[Line], timeout: float) -> float | None:
    """Echo a few lines one after another; None if every echo came back before any result,
    else how long the echo that a result overtook (or that never came) waited."""
    for number in range(1, PROBE_ECHOES + 1):
        line = b"ping %d\n" % number
        probe.send(line)
        sent = time.monotonic()
        try:
            got = probe.line(timeout, f"the line {line!r}")
        except NotAttempted:
            raise
        except CheckFailure:
            return time.monotonic() - sent
        if any(client.has_line() for client in computing):
            return time.monotonic() - sent
        if got != line.strip():
            raise SkipCheck(f"the line {line!r} got {got!r} back: see echo")
    return None


@CHECKS.check("one-pool")
def one_pool(trial: Trial) -> None:
    server, workers = trial.server, trial.settings.workers
    count = workers + 2
    n = max(trial.settings.heavy - 3, 20)
    request, want = b"fib %d\n" % n, b"%d" % fib(n)
    seen: set[int] = set()
    most = 0
    for _ in range(2):
        with lines(server, count) as clients:
            for client in clients:
                client.send(request)
            deadline = time.monotonic() + START_PATIENCE + 4 * HEAVY_CPU * count
            answers: dict[int, bytes] = {}
            while len(answers) < count and time.monotonic() < deadline:
                pids = {p.pid for p in server.children()}
                seen |= pids
                most = max(most, len(pids))
                for number, client in enumerate(clients):
                    if number not in answers and client.has_line():
                        answers[number] = client.line(0.1, f"the line {request!r}")
                    elif client.eof and number not in answers:
                        raise SkipCheck("the server closed a connection: see compute")
                server.check_running()
                time.sleep(TICK)
            if len(answers) < count or any(a != want for a in answers.values()):
                raise SkipCheck(
                    f"{count} requests {request.strip()!r} went unanswered: see compute"
                )
    if not seen:
        raise SkipCheck("no worker process ran: see offloaded")
    if most > workers or len(seen) > workers:
        raise CheckFailure(
            f"{len(seen)} worker processes served {2 * count} requests ({most} at once), for a "
            f"bound of {workers}: create one ProcessPoolExecutor(max_workers=workers) before "
            "serving and use it for every request; a pool per request starts a process each time"
        )


@CHECKS.check("leaks")
def leaks(trial: Trial) -> None:
    server = trial.server
    threads_before = len(server.worker_threads())
    open_before = server.connections()
    with lines(server, LEAK_CLIENTS) as clients:
        for number, client in enumerate(clients):
            client.send(b"bye %d\nfib 12\n" % number)
        for number, client in enumerate(clients):
            _leak_expect(client, b"bye %d" % number, "echo")
            _leak_expect(client, b"144", "compute")
            client.sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + LEAK_SETTLE
        open_now = server.connections() - open_before
        while open_now and time.monotonic() < deadline:
            time.sleep(TICK)
            open_now = server.connections() - open_before
    threads = len(server.worker_threads()) - threads_before
    if open_now:
        raise CheckFailure(
            f"{len(open_now)} of {LEAK_CLIENTS} connections stayed open after their clients "
            f"had finished sending: when readline() returns b'' the client is done, so close "
            "the writer (writer.close()) and end that handler"
        )
    if threads > 2:
        raise CheckFailure(
            f"{threads} more threads ran after {LEAK_CLIENTS} clients had come and gone: "
            "a connection's handler must not leave a thread behind"
        )


def _leak_expect(client: Line, want: bytes, owner: str) -> None:
    """The next answer must be ``want``; if not, the fault is the check ``owner``'s."""
    try:
        got = client.line(PATIENCE, "a request")
    except NotAttempted:
        raise
    except CheckFailure as exc:
        raise SkipCheck(f"{exc}: see {owner}") from None
    if got != want:
        raise SkipCheck(f"got {got!r} instead of {want!r}: see {owner}")


@CHECKS.check("stop")
def stop(trial: Trial) -> None:
    server = trial.server
    closes = _closes_finished(server)
    with lines(server, 1) as (client,):
        client.send(b"fib %d\n" % max(trial.settings.heavy - 3, 20))  # still computing at the stop
        client.sock.shutdown(socket.SHUT_WR)  # finished sending: a server may wait for its handler
        time.sleep(0.1)
        if not server.stop(STOP_PATIENCE + HEAVY_CPU):
            raise CheckFailure(
                f"serve() did not return within {STOP_PATIENCE + HEAVY_CPU:g} s of being told to "
                "stop: `await stop.wait()`, then close the server and shut the pool down (a "
                "`with` block around the ProcessPoolExecutor does it)"
            )
    if server.run.error is not None:
        server.check_running()  # a stub is not attempted
        raise CheckFailure(f"told to stop, serve() raised {server.run.describe_error()}")
    # A pool shut down by a `with` block has joined its workers before serve() returns; one
    # left open may still go later, when the garbage collector finds it: look at once.
    at_return = [what for what in left_behind(server) if "worker process" in what]
    deadline = time.monotonic() + LEAK_SETTLE
    while left_behind(server) and time.monotonic() < deadline:
        time.sleep(TICK * 5)
    left = at_return + [what for what in left_behind(server) if "worker process" not in what]
    if left and not closes and all(what.endswith("open connection(s)") for what in left):
        raise SkipCheck("serve() left connections open, as it leaves finished ones: see leaks")
    if left:
        raise CheckFailure(
            "serve() returned when told to stop but left resources behind: shut the process "
            "pool down before returning (a `with` block does it) and close every connection "
            f"(left behind: {', '.join(left)})"
        )


def _closes_finished(server: Server) -> bool:
    """Whether the server closes a connection whose client has finished sending."""
    with lines(server, 1) as (client,):
        client.send(b"last words\n")
        _leak_expect(client, b"last words", "echo")
        port = client.sock.getsockname()[1]
        client.sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + LEAK_SETTLE
        while port in server.connections():
            if time.monotonic() > deadline:
                return False
            time.sleep(TICK)
    return True


def check_server(
    serve: Callable[..., Any],
    workers: int = 2,
    only: Iterable[str] | None = None,
    *,
    seed: int = 0,
) -> Report:
    """Run the checks (or those named in ``only``) on ``async def serve(listener, stop,
    workers)``, with a bound of ``workers`` processes; ``seed`` varies the requests."""
    if not (isinstance(workers, int) and workers > 0):
        raise ValueError("workers must be a whole number of processes, at least 1")
    selected = CHECKS.select(only)
    settings = Settings(workers=workers, seed=seed, heavy=heavy_n())

    def start(on_error: Callable[[str], None]) -> Server:
        server = Server(partial(serve, workers=workers), "asyncio", on_error=on_error)
        server.signature = "async def serve(listener, stop, workers)"
        wait_ready(server)
        return server

    name = getattr(serve, "__name__", "serve")
    return run_server_checks(
        f"responsive server {name} (asyncio, {workers} worker processes)",
        start,
        [(check_id, partial(_on, check, settings)) for check_id, check in selected],
    )


def _on(check: Callable[[Trial], None], settings: Settings, server: Server) -> None:
    check(Trial(server, settings))
