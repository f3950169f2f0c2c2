"""Running a server function in the background, the way the course's contract says.

Every server exercise hands the student's function a socket bound to
127.0.0.1 with an ephemeral port and a way to be told to stop; the contract
itself is documented once, in :mod:`netcourse.checks.echo`. :class:`Server`
runs a function of any kind under that contract and can say afterwards what
it left behind: threads, child processes, open connections. The checkers use
it directly; notebooks use ``nc.serving.running`` to run a server during an
experiment.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

import psutil

from ...processes import kill_tree
from .capture import Background, live_threads, threads_started_since, wait_until
from .core import CheckFailure, not_attempted
from .sockets import short_send_listener

THREAD_KINDS = ("sequential", "selectors", "threads", "thread-pool", "process-pool")
KINDS = (*THREAD_KINDS, "gevent", "asyncio")
POOL_KINDS = frozenset({"thread-pool", "process-pool"})
UDP = "udp"  # a datagram server: serve(sock, stop) in a thread, on a bound UDP socket

# The accept queue must hold every client a check connects at once; the
# operating system caps the value at its own maximum.
BACKLOG = 1024
WAKE_TIMEOUT = 1.0
LOOP_START_TIMEOUT = 5.0
STOP_SEEN_TIMEOUT = 0.5
KILL_ROUNDS = 3

# Threads the standard library starts for its own pools; they are not workers.
_HELPER_THREAD_TARGETS = ("(_handle_workers)", "(_handle_tasks)", "(_handle_results)", "(_serve)")


class ContractError(CheckFailure):
    """The server function does not have the shape its kind requires."""


def _signature(kind: str) -> str:
    if kind == "asyncio":
        return "async def serve(listener, stop)"
    if kind == UDP:
        return "serve(sock, stop)"
    return "serve(listener, stop, workers)" if kind in POOL_KINDS else "serve(listener, stop)"


class Server:
    """One run of a server function on a fresh socket, in a daemon thread.

    ``kind`` is one of :data:`KINDS` (or ``"udp"``); pool kinds also get
    ``workers``, the most workers they may run. ``on_error`` receives one line
    for each exception that escapes an asyncio task or callback or a gevent
    greenlet (exceptions in threads reach ``threading.excepthook`` as usual).
    ``before_serving`` is called with the bound socket's address before the
    function is (the UDP checker has datagrams waiting on it that way).
    """

    def __init__(
        self,
        serve: Callable[..., Any],
        kind: str = "sequential",
        *,
        workers: int | None = None,
        send_buffer: int | None = None,
        short_sends: bool = False,
        on_error: Callable[[str], None] | None = None,
        before_serving: Callable[[tuple[str, int]], None] | None = None,
    ) -> None:
        if kind not in (*KINDS, UDP):
            raise ValueError(f"unknown server kind {kind!r}; choose one of {', '.join(KINDS)}")
        if kind in POOL_KINDS and not (isinstance(workers, int) and workers > 0):
            raise ValueError(f"a {kind} server needs workers=N, its bound on workers")
        self.serve, self.kind, self.workers = serve, kind, workers
        self.signature = _signature(kind)
        self._on_error = on_error
        self._me = psutil.Process()
        # psutil numbers macOS threads by position, not by native id: there the CPU time
        # of the server's threads cannot be told apart from the rest of this process.
        self.cpu_is_whole_process = threading.get_native_id() not in {
            t.id for t in self._me.threads()
        }
        self._children_before = {p.pid for p in self._me.children(recursive=True)}
        self._threads_before = live_threads()
        self.sock = _bound_socket(kind, send_buffer, short_sends)
        self.address: tuple[str, int] = self.sock.getsockname()[:2]
        self._loop_ready = threading.Event()
        self._stop: Any = None  # the stop event handed to the function, of the kind's type
        self._set_stop: Callable[[], object] | None = None
        self.stop_requested = False
        self.client_ended = False  # a client has shut down its sending side (see echo.client)
        if before_serving:
            before_serving(self.address)
        self.run = Background(self._target(), name=f"serve ({kind})")

    # --- running and stopping -------------------------------------------------

    def _target(self) -> Callable[[], None]:
        if self.kind == "asyncio":
            return self._run_asyncio
        if self.kind == "gevent":
            return self._run_gevent
        stop = self._stop = threading.Event()
        self._set_stop = stop.set
        extra = (self.workers,) if self.kind in POOL_KINDS else ()
        return lambda: self.serve(self.sock, stop, *extra)

    def _run_asyncio(self) -> None:
        async def main() -> None:
            loop = asyncio.get_running_loop()
            if self._on_error:
                loop.set_exception_handler(self._async_exception)
            stop = self._stop = asyncio.Event()
            self._set_stop = lambda: loop.call_soon_threadsafe(stop.set)
            self._loop_ready.set()
            coroutine = self.serve(self.sock, stop)
            if not inspect.isawaitable(coroutine):
                raise ContractError(
                    "serve() returned without awaiting anything: for an asyncio server define it "
                    "as `async def serve(listener, stop)`"
                )
            await coroutine

        asyncio.run(main())

    def _async_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # A client's task cancelled as the loop ends is no fault; Python 3.11's streams log it.
        if not isinstance(context.get("exception"), asyncio.CancelledError):
            self._on_error(_async_error(context))

    def _run_gevent(self) -> None:
        import gevent.event
        import gevent.socket

        hub = gevent.get_hub()
        if self._on_error:
            hub.handle_error = _gevent_error_handler(hub, self._on_error)
        stop = self._stop = gevent.event.Event()
        # A gevent Event belongs to the hub of its thread: set it from there.
        self._set_stop = lambda: hub.loop.run_callback_threadsafe(stop.set)
        listener = gevent.socket.socket(
            self.sock.family, self.sock.type, fileno=self.sock.dup().detach()
        )
        self._loop_ready.set()
        try:
            self.serve(listener, stop)
        finally:
            listener.close()
            hub.destroy(destroy_loop=True)

    @property
    def running(self) -> bool:
        return not self.run.finished

    def request_stop(self) -> None:
        """Set the stop event, then wake the server with one connection (or one empty datagram).

        An asyncio or gevent event is set from its own thread, so the wake-up
        waits until the event is seen set: the server must find it set when it wakes.
        """
        if not self.stop_requested:
            self.stop_requested = True
            if self.kind in ("asyncio", "gevent"):
                self._loop_ready.wait(LOOP_START_TIMEOUT)
            if self._set_stop is not None and self.running:
                with contextlib.suppress(RuntimeError, AttributeError):  # loop already gone
                    self._set_stop()
                    wait_until(lambda: self._stop.is_set() or not self.running, STOP_SEEN_TIMEOUT)
        self.wake()

    def wake(self) -> None:
        """Connect once and close at once, so that a server waiting in accept() wakes up."""
        with contextlib.suppress(OSError):
            if self.kind == UDP:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as poke:
                    poke.sendto(b"", self.address)
            else:
                socket.create_connection(self.address, timeout=WAKE_TIMEOUT).close()

    def stop(self, timeout: float) -> bool:
        """Request a stop and wait up to ``timeout`` seconds; True if the function returned."""
        self.request_stop()
        return self.run.join(timeout)

    def check_running(self) -> None:
        """Raise the right failure if the server function ended before it was told to stop."""
        if self.running:
            return
        error = self.run.error
        if isinstance(error, NotImplementedError):
            raise not_attempted(self.signature)
        if isinstance(error, CheckFailure):
            raise error
        if error is not None:
            raise CheckFailure(f"the server stopped: serve() raised {self.run.describe_error()}")
        if self.stop_requested:
            return
        loop = "recvfrom()" if self.kind == UDP else "accept()"
        raise CheckFailure(
            "serve() returned although it was not told to stop: it must keep serving "
            f"(a loop around {loop}) until stop is set"
        )

    def close(self, grace: float = 0.3) -> int:
        """Stop (waiting ``grace`` seconds at most), close the socket, kill child processes.

        Returns how many child processes had to be killed. Threads that are still
        running are left alone: they are daemon threads and cannot be killed.
        """
        if self.running:
            self.request_stop()
            self.run.join(grace)
        self.sock.close()
        killed = 0
        for _ in range(KILL_ROUNDS):  # a pool may start new workers while the old ones die
            children = self.children()
            if not children:
                break
            for child in children:
                kill_tree(child.pid, timeout=1.0)
            killed += len(children)
        return killed

    # --- what the server has started ------------------------------------------

    def threads(self) -> list[threading.Thread]:
        """Threads started since the server started, still alive, its own thread included."""
        return threads_started_since(self._threads_before)

    def worker_threads(self) -> list[threading.Thread]:
        """Threads the server function started, without the standard library's pool helpers."""
        return [
            t
            for t in self.threads()
            if t is not self.run.thread and not t.name.endswith(_HELPER_THREAD_TARGETS)
        ]

    def children(self) -> list[psutil.Process]:
        """Child processes started since the server started, multiprocessing's helpers aside."""
        helpers = multiprocessing_helpers()
        try:
            found = self._me.children(recursive=True)
        except psutil.Error:
            return []
        return [
            p
            for p in found
            if p.pid not in self._children_before and p.pid not in helpers and _alive(p)
        ]

    def connections(self) -> set[int]:
        """Client ports of the connections the server side holds open (TCP only)."""
        port = self.address[1]
        found: set[int] = set()
        # Finding children scans every process on the machine: only pools of processes have any.
        children = self.children() if self.kind == "process-pool" else []
        for process in (self._me, *children):
            with contextlib.suppress(psutil.Error):
                for conn in process.net_connections("tcp"):
                    if conn.laddr and conn.laddr.port == port and conn.raddr:
                        found.add(conn.raddr.port)
        return found

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's threads (or, see ``cpu_is_whole_process``,
        by this whole process) and by its child processes."""
        if self.cpu_is_whole_process:
            times = self._me.cpu_times()
            total = times.user + times.system
        else:
            ids = {t.native_id for t in self.threads()}
            total = sum(t.user_time + t.system_time for t in self._me.threads() if t.id in ids)
        for child in self.children():
            with contextlib.suppress(psutil.Error):
                times = child.cpu_times()
                total += times.user + times.system
        return total


def _bound_socket(kind: str, send_buffer: int | None, short_sends: bool) -> socket.socket:
    if kind == UDP:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        return sock
    listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
    if send_buffer:
        # Accepted connections inherit it: small buffers make a send() that
        # takes only part of a large message happen for real, on every platform.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    return short_send_listener(listener) if short_sends else listener


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def multiprocessing_helpers() -> set[int]:
    """Pids of multiprocessing's resource tracker and fork server: long-lived by design."""
    # Looked up defensively: another thread may be importing these modules right now.
    tracker = getattr(
        sys.modules.get("multiprocessing.resource_tracker"), "_resource_tracker", None
    )
    forkserver = getattr(sys.modules.get("multiprocessing.forkserver"), "_forkserver", None)
    pids = {getattr(tracker, "_pid", None), getattr(forkserver, "_forkserver_pid", None)}
    pids.discard(None)
    return pids


def _async_error(context: dict[str, Any]) -> str:
    exc = context.get("exception")
    where = context.get("message", "an asyncio task or callback")
    if exc is None:
        return where
    return f"{where}: {type(exc).__name__}: {exc}" if str(exc) else f"{where}: {type(exc).__name__}"


def _gevent_error_handler(hub: Any, report: Callable[[str], None]) -> Callable[..., None]:
    original = hub.handle_error

    def handle_error(context: Any, kind: type, value: BaseException, tb: Any) -> None:
        if context is None or issubclass(kind, hub.SYSTEM_ERROR):
            original(context, kind, value, tb)
        elif not issubclass(kind, hub.NOT_ERROR):
            name = getattr(context, "name", None) or "a greenlet"
            report(
                f"{name}: {kind.__name__}: {value}" if str(value) else f"{name}: {kind.__name__}"
            )

    return handle_error
