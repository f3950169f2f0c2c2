"""Notebook 07's servers: references and realistic wrong answers for its two checkers.

Each wrong answer is one mistake, with the rest of the server done right.
Process-pool workers import ``nc.compute.fib`` by name, so every server here
hands that function (never one of this module's) to its pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from netcourse.tools.compute import fib, fib_request
from netcourse.tools.coroutine_servers import serve_asyncio
from netcourse.tools.echo_pools import echo_client
from netcourse.tools.echo_threads import serve as serve_threads
from netcourse.tools.reactor import serve_echo
from netcourse.tools.workloads import process_context

from .three_ways import right, wrong

# --- exercise 1: a server that stays responsive while it computes -------------------------


async def _lines(listener, stop, answer, close=True, chunks=False, newline=True) -> None:
    """The line server, with ``answer(n)`` awaited for each fib request."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await (reader.read(65536) if chunks else reader.readline()):
                n = fib_request(line)
                if n is None:
                    writer.write(line if newline else line.strip())
                else:
                    writer.write(b"%d\n" % await answer(n))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            if close:
                writer.close()

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await stop.wait()


async def serve_responsive(listener, stop, workers):
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:
        await _lines(listener, stop, lambda n: loop.run_in_executor(pool, fib, n))


async def responsive_stub(listener, stop, workers):
    raise NotImplementedError()


async def computes_on_the_loop(listener, stop, workers):
    async def answer(n):
        return fib(n)

    await _lines(listener, stop, answer)


async def computes_in_a_thread(listener, stop, workers):
    await _lines(listener, stop, lambda n: asyncio.to_thread(fib, n))


async def waits_for_the_result(listener, stop, workers):
    with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:

        async def answer(n):
            return pool.submit(fib, n).result()  # blocks the loop until the worker is done

        await _lines(listener, stop, answer)


async def pool_per_request(listener, stop, workers):
    loop = asyncio.get_running_loop()

    async def answer(n):
        with ProcessPoolExecutor(1, mp_context=process_context()) as pool:
            return await loop.run_in_executor(pool, fib, n)

    await _lines(listener, stop, answer)


async def pool_of_eight(listener, stop, workers):
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(8, mp_context=process_context()) as pool:
        await _lines(listener, stop, lambda n: loop.run_in_executor(pool, fib, n))


async def pool_never_shut_down(listener, stop, workers):
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(workers, mp_context=process_context())
    await _lines(listener, stop, lambda n: loop.run_in_executor(pool, fib, n))


async def never_closes(listener, stop, workers):
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:
        await _lines(listener, stop, lambda n: loop.run_in_executor(pool, fib, n), close=False)


async def reads_chunks(listener, stop, workers):
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:
        await _lines(listener, stop, lambda n: loop.run_in_executor(pool, fib, n), chunks=True)


async def drops_newlines(listener, stop, workers):
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(workers, mp_context=process_context()) as pool:
        await _lines(listener, stop, lambda n: loop.run_in_executor(pool, fib, n), newline=False)


# Python 3.12 and later clean up after some faults themselves, at a time the garbage
# collector picks: from 3.12 `async with server` waits for open connections (a server that
# leaves them open cannot stop either), and from 3.13 a StreamWriter collected unclosed closes
# its transport and an unreferenced ProcessPoolExecutor shuts its workers down. The verdicts
# on those answers then depend on timing there, so they are marked slow: run by `make test` on
# the default Python only, not by the quick suite on the others. A gap to close (issue 17).
GC_DEPENDENT = {"slow": True}
# Once seen on 3.13 under heavy load: the blocked loop also left a connection open at the stop.
LOAD_DEPENDENT = {"slow": True}

OFFLOAD_STUBS = [right(responsive_stub)]
OFFLOAD_REFERENCES = [right(serve_responsive)]
OFFLOAD_CORPUS = [
    wrong(computes_on_the_loop, {"offloaded"}, "own process"),
    wrong(computes_in_a_thread, {"offloaded"}, "own process"),
    wrong(waits_for_the_result, {"responsive"}, "stopped answering", **LOAD_DEPENDENT),
    wrong(pool_per_request, {"one-pool"}, "pool per request"),
    wrong(pool_of_eight, {"one-pool"}, "bound of 2"),
    wrong(pool_never_shut_down, {"stop"}, "worker process", **GC_DEPENDENT),
    wrong(never_closes, {"leaks"}, "stayed open", **GC_DEPENDENT),
    wrong(reads_chunks, {"compute"}, "fib request went wrong"),
    wrong(drops_newlines, {"echo"}, "echo line went wrong"),
]


# --- exercise 2: a server that holds many idle connections -------------------------------


async def serve_many(listener, stop):
    await serve_asyncio(listener, stop)


async def many_stub(listener, stop):
    raise NotImplementedError()


def plain_stub(listener, stop):
    raise NotImplementedError()


def one_at_a_time(listener, stop):
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        echo_client(conn)


def pool_of_four(listener, stop):
    with ThreadPoolExecutor(4) as pool:
        while True:
            conn, _ = listener.accept()
            if stop.is_set():
                conn.close()
                return
            pool.submit(echo_client, conn)


async def drops_idle(listener, stop):
    async def handle(reader, writer):
        try:
            while data := await asyncio.wait_for(reader.read(65536), timeout=0.5):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, TimeoutError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await stop.wait()


async def adds_a_newline(listener, stop):
    """Ends each echo with a newline, as print() would."""

    async def handle(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data + b"\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await stop.wait()


def polls(listener, stop):
    """A selector asked with timeout=0, over and over: it never sleeps."""
    listener.setblocking(False)
    open_ = set()
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        while not stop.is_set():
            for key, _ in selector.select(timeout=0):
                if key.fileobj is listener:
                    with contextlib.suppress(BlockingIOError):
                        conn, _ = listener.accept()
                        conn.setblocking(True)
                        selector.register(conn, selectors.EVENT_READ)
                        open_.add(conn)
                    continue
                conn = key.fileobj
                try:
                    data = conn.recv(65536)
                    conn.sendall(data)
                except ConnectionError:
                    data = b""
                if not data:
                    selector.unregister(conn)
                    open_.discard(conn)
                    conn.close()
        for conn in open_:
            conn.close()


async def keeps_ended(listener, stop):
    """Never closes a connection whose client has finished: it only closes them at the stop."""
    writers = []

    async def handle(reader, writer):
        writers.append(writer)
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()

    server = await asyncio.start_server(handle, sock=listener)
    async with server:
        await stop.wait()
    for writer in writers:
        writer.close()


def ignores_stop(listener, stop):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=echo_client, args=(conn,), daemon=True).start()


IDLE_STUBS = [right(many_stub), right(plain_stub)]
IDLE_REFERENCES = [
    right(serve_many, label="asyncio"),
    right(serve_echo, label="selectors reactor"),
    right(serve_threads, label="thread per connection"),
]
IDLE_CORPUS = [
    wrong(one_at_a_time, {"new-client"}, "busy with the silent ones"),
    wrong(pool_of_four, {"new-client"}, "busy with the silent ones"),
    wrong(drops_idle, {"held"}, "dropped idle connections"),
    wrong(adds_a_newline, {"echo"}, "more bytes"),
    wrong(polls, {"idle-cpu"}, "busy-waiting"),
    wrong(keeps_ended, {"leaks"}, "still holds", **GC_DEPENDENT),
    wrong(ignores_stop, {"stop"}, "did not return"),
]
