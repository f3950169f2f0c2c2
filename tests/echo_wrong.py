"""Realistic wrong echo servers, each with exactly the checks it must fail.

Each is a mistake students make (or the seed blog post made), with the rest of
the server done right, so that the fault shows in its own checks only. Threads
that would spin or wait forever also watch ``ABANDON``, which the tests set
afterwards: the checker leaves such threads running (it cannot kill a
thread), and the test suite should not pay for them later.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import selectors
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import echo_servers
from .echo_workers import CHUNK, accept_forever_with_send, adopt, echo_connection, echo_with_send
from .three_ways import wrong

ABANDON = threading.Event()
WORKERS = 4


def accept_loop(listener: socket.socket, stop: threading.Event, handle) -> None:
    """Accept until stopped, running ``handle(conn)`` in a thread per connection."""
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


# --- reading and writing ------------------------------------------------------


def one_recv(listener, stop):
    """Echoes what one recv(1024) returns, then closes: fine while messages are short."""
    while not stop.is_set():
        conn, _ = listener.accept()
        with conn, contextlib.suppress(ConnectionError):
            conn.sendall(conn.recv(1024))


def close_after_first(listener, stop):
    """A thread per connection that answers one message and hangs up."""

    def handle(conn):
        with conn, contextlib.suppress(ConnectionError):
            conn.sendall(conn.recv(CHUNK))

    accept_loop(listener, stop, handle)


def caps_requests(listener, stop):
    """Hangs up after 150 reads on one connection, like a keep-alive limit "against abuse"."""

    def handle(conn):
        with conn, contextlib.suppress(ConnectionError):
            for _ in range(150):
                data = conn.recv(CHUNK)
                if not data:
                    break
                conn.sendall(data)

    accept_loop(listener, stop, handle)


def send_not_sendall(listener, stop):
    """Sets a timeout "so no client can hang it" and echoes with send(), ignoring its count."""

    def handle(conn):
        conn.settimeout(5)
        with conn, contextlib.suppress(ConnectionError, TimeoutError):
            while data := conn.recv(CHUNK):
                conn.send(data)

    accept_loop(listener, stop, handle)


def send_blocking(listener, stop):
    """The blocking server with conn.send(data) for conn.sendall(data): Linux's send() on a
    blocking socket nearly always takes everything, but it need not."""

    def handle(conn):
        with conn, contextlib.suppress(ConnectionError):
            while data := conn.recv(CHUNK):
                conn.send(data)

    accept_loop(listener, stop, handle)


def process_pool_send(listener, stop, workers):
    """Worker processes that accept on the listener and echo with send()."""
    pool = echo_servers.process_context().Pool(workers, initializer=adopt, initargs=(listener,))
    with pool:
        for _ in range(workers):
            pool.apply_async(accept_forever_with_send)
        stop.wait()


def gevent_send(listener, stop):
    """gevent's StreamServer, echoing with send(): a gevent socket's send() takes what fits."""
    from gevent.server import StreamServer

    server = StreamServer(listener, lambda conn, address: echo_with_send(conn))
    server.start()
    try:
        stop.wait()
    finally:
        server.stop(timeout=1)


def selectors_unbuffered(listener, stop):
    """A selector loop that sends each chunk at once and drops what send() does not take."""
    listener.setblocking(False)
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        while not stop.is_set():
            for key, _ in selector.select():
                if key.fileobj is listener:
                    with contextlib.suppress(BlockingIOError):
                        conn, _ = listener.accept()
                        conn.setblocking(False)
                        selector.register(conn, selectors.EVENT_READ)
                    continue
                conn = key.fileobj
                try:
                    data = conn.recv(CHUNK)
                except BlockingIOError:
                    continue
                except ConnectionError:
                    data = b""
                if data:
                    with contextlib.suppress(BlockingIOError, ConnectionError):
                        conn.send(data)  # "a slow client can miss a bit"
                else:
                    selector.unregister(conn)
                    conn.close()
        for key in list(selector.get_map().values()):
            if key.fileobj is not listener:
                key.fileobj.close()


def drops_pending_on_eof(listener, stop):
    """Buffers what it cannot send yet, but on end of stream closes before sending it."""
    listener.setblocking(False)
    pending: dict[socket.socket, bytearray] = {}
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        while not stop.is_set():
            for key, events in selector.select():
                if key.fileobj is listener:
                    with contextlib.suppress(BlockingIOError):
                        conn, _ = listener.accept()
                        conn.setblocking(False)
                        pending[conn] = bytearray()
                        selector.register(conn, selectors.EVENT_READ)
                    continue
                conn, out = key.fileobj, pending[key.fileobj]
                try:
                    if events & selectors.EVENT_READ:
                        data = conn.recv(CHUNK)
                        if not data:
                            selector.unregister(conn)
                            conn.close()
                            del pending[conn]
                            continue
                        out += data
                    if events & selectors.EVENT_WRITE:
                        del out[: conn.send(out)]
                except (BlockingIOError, ConnectionError):
                    pass
                wanted = selectors.EVENT_READ | (selectors.EVENT_WRITE if out else 0)
                selector.modify(conn, wanted)
        for conn in pending:
            conn.close()


def decode_text(listener, stop):
    """Turns the bytes into text and back "to be safe"."""

    def handle(conn):
        with conn, contextlib.suppress(ConnectionError):
            while data := conn.recv(CHUNK):
                conn.sendall(data.decode().encode())

    accept_loop(listener, stop, handle)


def uppercase(listener, stop):
    """An "echo" that shouts: it sends back the bytes in upper case."""

    def handle(conn):
        with conn, contextlib.suppress(ConnectionError):
            while data := conn.recv(CHUNK):
                conn.sendall(data.upper())

    accept_loop(listener, stop, handle)


def eof_waiter(listener, stop):
    """Collects the whole message, up to the end of the stream, before echoing any of it."""

    def handle(conn):
        with conn, contextlib.suppress(ConnectionError):
            chunks = []
            while data := conn.recv(CHUNK):
                chunks.append(data)
            conn.sendall(b"".join(chunks))

    accept_loop(listener, stop, handle)


def line_based(listener, stop):
    """Echoes line by line, so whatever follows the last newline waits."""

    def handle(conn):
        with conn, conn.makefile("rb") as lines, contextlib.suppress(ConnectionError):
            for line in lines:
                conn.sendall(line)

    accept_loop(listener, stop, handle)


# --- end of stream --------------------------------------------------------------


def no_eof_spin(listener, stop):
    """Never looks for b'': once a client is gone, its thread echoes nothing, forever."""

    def handle(conn):
        with conn, contextlib.suppress(ConnectionError):
            while not ABANDON.is_set():
                conn.sendall(conn.recv(CHUNK))

    accept_loop(listener, stop, handle)


def no_eof_crash(listener, stop):
    """Takes a Ctrl-D byte for the end of input and never expects recv() to return b''."""
    while not stop.is_set():
        conn, _ = listener.accept()
        with conn:
            while True:
                data = conn.recv(CHUNK)
                if data[0] == 4:  # IndexError once the client has closed
                    break
                conn.sendall(data)


def never_close(listener, stop):
    """Loops properly but never closes a connection (Python does, once it is collected)."""
    while not stop.is_set():
        conn, _ = listener.accept()
        if stop.is_set():
            break
        with contextlib.suppress(ConnectionError):
            while data := conn.recv(CHUNK):
                conn.sendall(data)


def keeps_connections(listener, stop):
    """Keeps every connection in a list "for statistics", so none is ever closed."""
    seen = []

    def handle(conn):
        seen.append(conn)
        with contextlib.suppress(ConnectionError):
            while data := conn.recv(CHUNK):
                conn.sendall(data)

    accept_loop(listener, stop, handle)


# --- resets ---------------------------------------------------------------------


def crash_on_reset(listener, stop):
    """The blocking server without any error handling."""
    while not stop.is_set():
        conn, _ = listener.accept()
        with conn:
            if stop.is_set():
                break
            while data := conn.recv(CHUNK):
                conn.sendall(data)


def crash_on_reset_threads(listener, stop):
    """A thread per connection without error handling: a reset kills that thread loudly."""

    def handle(conn):
        with conn:
            while data := conn.recv(CHUNK):
                conn.sendall(data)

    accept_loop(listener, stop, handle)


async def asyncio_crash_on_reset(listener, stop):
    """asyncio streams without error handling."""

    async def handle(reader, writer):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await stop.wait()


# --- concurrency and idling -----------------------------------------------------


def busy_poll(listener, stop):
    """Non-blocking sockets polled in a loop without a selector: correct, and never idle."""
    listener.setblocking(False)
    clients: dict[socket.socket, list[Any]] = {}  # conn -> [bytes to send, input ended]
    while not stop.is_set():
        with contextlib.suppress(BlockingIOError):
            conn, _ = listener.accept()
            conn.setblocking(False)
            clients[conn] = [bytearray(), False]
        for conn, state in list(clients.items()):
            out = state[0]
            try:
                if not state[1] and len(out) < 2**20:
                    with contextlib.suppress(BlockingIOError):
                        data = conn.recv(CHUNK)
                        out += data
                        state[1] = not data
                if out:
                    with contextlib.suppress(BlockingIOError):
                        del out[: conn.send(out)]
            except ConnectionError:
                state[1], out[:] = True, b""
            if state[1] and not out:
                conn.close()
                del clients[conn]
    for conn in clients:
        conn.close()


def select_timeout_zero(listener, stop):
    """The reference selector loop, polling with select(timeout=0) "to stay responsive"."""
    echo_servers.selectors_server(listener, stop, poll_timeout=0)


def always_writable(listener, stop):
    """A selector loop that registers every client for EVENT_READ | EVENT_WRITE "so that it
    can send at once": fine with no client, spinning while one is connected and silent."""
    listener.setblocking(False)
    pending: dict[socket.socket, bytearray] = {}
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        while not stop.is_set():
            for key, events in selector.select():
                if key.fileobj is listener:
                    with contextlib.suppress(BlockingIOError):
                        conn, _ = listener.accept()
                        conn.setblocking(False)
                        pending[conn] = bytearray()
                        selector.register(conn, selectors.EVENT_READ | selectors.EVENT_WRITE)
                    continue
                conn, out = key.fileobj, pending[key.fileobj]
                try:
                    if events & selectors.EVENT_READ:
                        data = conn.recv(CHUNK)
                        if not data and not out:
                            selector.unregister(conn)
                            conn.close()
                            del pending[conn]
                            continue
                        out += data
                    if out:
                        del out[: conn.send(out)]
                except BlockingIOError:
                    pass
                except ConnectionError:
                    selector.unregister(conn)
                    conn.close()
                    del pending[conn]
        for conn in pending:
            conn.close()


def selectors_forgets_open_clients(listener, stop):
    """The reference selector loop, returning at stop without closing the clients still open."""
    echo_servers.selectors_server(listener, stop, close_at_stop=False)


async def asyncio_blocking(listener, stop):
    """An async server that calls the blocking socket API, so the event loop never runs."""
    while not stop.is_set():
        conn, _ = listener.accept()
        with conn, contextlib.suppress(ConnectionError):
            while data := conn.recv(CHUNK):
                conn.sendall(data)


def gevent_no_spawn(listener, stop):
    """gevent's cooperative accept, but each connection is served inline, one at a time."""
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        echo_connection(conn)


def gevent_serve_forever(listener, stop):
    """gevent's StreamServer started with serve_forever(), which never looks at stop."""
    from gevent.server import StreamServer

    StreamServer(listener, lambda conn, address: echo_connection(conn)).serve_forever()


def ignore_stop(listener, stop):
    """The blocking server that never looks at stop."""
    while True:
        conn, _ = listener.accept()
        echo_connection(conn)


def joins_each_thread(listener, stop):
    """A thread per connection, joined as soon as it starts: one client at a time again."""
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        thread = threading.Thread(target=echo_connection, args=(conn,))
        thread.start()
        thread.join()


def calls_the_target(listener, stop):
    """Thread(target=echo_connection(conn)): the call runs in the accept loop, the thread
    gets its result (None) as a target and does nothing."""
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        threading.Thread(target=echo_connection(conn), daemon=True).start()


def lingering_threads(listener, stop):
    """Each connection's thread waits for the server to stop before it ends."""

    def handle(conn):
        echo_connection(conn)
        stop.wait()  # "keep the thread for the statistics at shutdown"

    accept_loop(listener, stop, handle)


# --- pools ----------------------------------------------------------------------


def ignores_workers(listener, stop, workers):
    """A thread per connection where a pool of ``workers`` threads was asked for."""
    accept_loop(listener, stop, echo_connection)


def _fixed_pool(listener, stop, size):
    with ThreadPoolExecutor(max_workers=size) as pool:
        while True:
            conn, _ = listener.accept()
            if stop.is_set():
                conn.close()
                return
            pool.submit(echo_connection, conn)


def pool_of_one(listener, stop, workers):
    """A thread pool with one worker, whatever ``workers`` says."""
    _fixed_pool(listener, stop, 1)


def pool_of_two(listener, stop, workers):
    """A thread pool of two workers, whatever ``workers`` says ("two is plenty")."""
    _fixed_pool(listener, stop, 2)


def hand_made_pool_never_stopped(listener, stop, workers):
    """The blog post's hand-made pool: worker threads loop on a queue forever."""
    tasks: queue.Queue = queue.Queue()

    def work():
        while True:
            echo_connection(tasks.get())

    for _ in range(workers):
        threading.Thread(target=work, daemon=True).start()
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        tasks.put(conn)


def pool_twice_the_bound(listener, stop, workers):
    """A pool of worker processes sized at twice the bound, "since they mostly wait"."""
    echo_servers.process_pool(listener, stop, 2 * workers)


CORPUS = [
    wrong(one_recv, {"large"}, "keep calling recv()", kind="sequential"),
    wrong(close_after_first, {"large"}, "keep calling recv()", kind="threads"),
    wrong(caps_requests, {"many-messages"}, "after echoing 150", kind="threads"),
    wrong(send_not_sendall, {"large"}, "send() may take only part", kind="threads"),
    wrong(send_blocking, {"large"}, "use sendall()", kind="threads"),
    wrong(send_blocking, {"large"}, "use sendall()", kind="sequential", label="send_blocking_seq"),
    wrong(selectors_unbuffered, {"large"}, "send() may take only part", kind="selectors"),
    wrong(gevent_send, {"large"}, "use sendall()", kind="gevent"),
    wrong(process_pool_send, {"large"}, "use sendall()", kind="process-pool", workers=WORKERS),
    wrong(drops_pending_on_eof, {"half-close"}, "sent all it still owes", kind="selectors"),
    wrong(decode_text, {"binary"}, "UnicodeDecodeError", kind="threads"),
    wrong(uppercase, {"short"}, "an echo is the very same bytes", kind="threads"),
    wrong(eof_waiter, {"short"}, "must not wait for more data", kind="threads"),
    wrong(line_based, {"short"}, "a newline", kind="threads"),
    wrong(no_eof_spin, {"half-close", "stop"}, "spins forever", kind="threads"),
    wrong(no_eof_crash, {"half-close"}, "IndexError", kind="sequential"),
    wrong(never_close, {"half-close"}, "did not close the connection", kind="sequential"),
    wrong(keeps_connections, {"half-close"}, "did not close the connection", kind="threads"),
    wrong(crash_on_reset, {"reset"}, "serve() raised ConnectionResetError", kind="sequential"),
    wrong(crash_on_reset_threads, {"reset"}, "escaped your server's code", kind="threads"),
    wrong(asyncio_crash_on_reset, {"reset"}, "ConnectionResetError", kind="asyncio"),
    wrong(selectors_forgets_open_clients, {"stop"}, "never closed", kind="selectors"),
    wrong(busy_poll, {"idle-cpu"}, "busy-waiting", kind="selectors"),
    wrong(select_timeout_zero, {"idle-cpu"}, "busy-waiting", kind="selectors"),
    wrong(always_writable, {"idle-cpu"}, "owed nothing", kind="selectors"),
    wrong(echo_servers.sequential, {"head-of-line"}, "stuck waiting", kind="threads"),
    wrong(asyncio_blocking, {"head-of-line", "stop"}, "stuck waiting", kind="asyncio"),
    wrong(gevent_no_spawn, {"head-of-line"}, "stuck waiting", kind="gevent"),
    wrong(gevent_serve_forever, {"stop"}, "wait on stop", kind="gevent"),
    wrong(ignore_stop, {"stop"}, "did not return within", kind="sequential"),
    wrong(lingering_threads, {"leaks"}, "more threads are running", kind="threads"),
    wrong(joins_each_thread, {"head-of-line"}, "stuck waiting", kind="threads"),
    wrong(calls_the_target, {"head-of-line"}, "stuck waiting", kind="threads"),
    wrong(
        ignores_workers,
        {"bounded-workers"},
        "over its bound of 4",
        kind="thread-pool",
        workers=WORKERS,
    ),
    wrong(pool_of_one, {"head-of-line"}, "stuck waiting", kind="thread-pool", workers=WORKERS),
    wrong(pool_of_two, {"concurrent"}, "pool of 4", kind="thread-pool", workers=WORKERS),
    wrong(
        hand_made_pool_never_stopped,
        {"stop"},
        "running thread(s)",
        kind="thread-pool",
        workers=WORKERS,
    ),
    wrong(
        pool_twice_the_bound,
        {"bounded-workers"},
        "8 worker processes",
        kind="process-pool",
        workers=WORKERS,
    ),
]
