"""An echo server on a pool of processes that each run a pool of threads (notebook 05).

Worker processes import the functions they run by module and name, so these
live in a module, not in a notebook cell. Each worker process gets the
listening socket as it starts: it is an argument of the pool's initializer,
so multiprocessing pickles it and sends its file descriptor to the worker
(forkserver and spawn; a forked worker would have inherited it). Each worker
then accepts on it itself: the kernel hands each new connection to one of
the processes waiting in ``accept()``, and that process serves it on one of
its threads. A connection socket never travels between processes.
"""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from .workloads import process_context

CHUNK = 65536
_listener: socket.socket | None = None


def echo_client(conn: socket.socket) -> None:
    """Echo one client until it has sent everything, then close the connection."""
    with conn:
        try:
            while data := conn.recv(CHUNK):
                conn.sendall(data)
        except ConnectionError:
            pass


def _adopt(listener: socket.socket) -> None:
    """Each worker process's initializer: keep the listening socket it was sent as it started."""
    global _listener
    _listener = listener


def _accept_on_threads(threads: int) -> None:
    """A worker process's one task: accept connections and serve them on ``threads`` threads."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        while True:
            conn, _ = _listener.accept()
            pool.submit(echo_client, conn)


def serve_processes(
    listener: socket.socket, stop: threading.Event, workers: int, threads: int = 4
) -> None:
    """Serve on ``workers`` processes of ``threads`` threads each until ``stop`` is set.

    At most ``workers * threads`` clients are served at once; the others are
    accepted and wait in a process's task queue. Leaving the pool's ``with``
    block terminates the processes, which is how their endless accept loops end;
    the connections they still serve end with them.
    """
    pool = process_context().Pool(workers, initializer=_adopt, initargs=(listener,))
    with pool:
        for _ in range(workers):
            pool.apply_async(_accept_on_threads, (threads,))
        stop.wait()
