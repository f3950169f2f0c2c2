"""Realistic wrong answers to notebook 06's generator pipeline, with the checks each must fail."""

from __future__ import annotations

import queue
import threading
from collections import deque

from .conftest import COROUTINES, ROOT
from .notebook_tools import load_answers
from .three_ways import wrong

# Set when a test is over: ends the loops that a producer which never yields left spinning.
ABANDON = threading.Event()

reference = load_answers(ROOT / "solutions" / COROUTINES, "generator-pipeline")["run_pipeline"]
stub = load_answers(ROOT / "notebooks" / COROUTINES, "generator-pipeline")["run_pipeline"]


def _producer(items, buffer, maxsize, done):
    for item in items:
        while len(buffer) >= maxsize:
            yield
        buffer.append(item)
    done.set()


def _consumer(buffer, work, results, done, *, pop=deque.popleft, stop_when_empty=False):
    while True:
        while not buffer:
            if done.is_set() or stop_when_empty:
                return
            yield
        results.append(work(pop(buffer)))


def _drive(tasks, *, close=True):
    tasks = deque(tasks)
    try:
        while tasks:
            task = tasks.popleft()
            try:
                next(task)
            except StopIteration:
                continue
            tasks.append(task)
    finally:
        if close:
            for task in tasks:
                task.close()


def never_closes(items, work, maxsize=4):
    """Lets the exception propagate and leaves the producer suspended in its loop."""
    buffer, results, done = deque(), [], threading.Event()
    _drive(
        [_producer(items, buffer, maxsize, done), _consumer(buffer, work, results, done)],
        close=False,
    )
    return results


def stops_when_empty(items, work, maxsize=4):
    """The consumer takes an empty buffer for the end of the items, and the pipeline ends
    with the consumer."""
    buffer, results, done = deque(), [], threading.Event()
    producer = _producer(items, buffer, maxsize, done)
    consumer = _consumer(buffer, work, results, done, stop_when_empty=True)
    try:
        while True:
            next(producer, None)
            next(consumer)
    except StopIteration:
        pass
    finally:
        producer.close()
    return results


def newest_first(items, work, maxsize=4):
    """Takes the newest item from the buffer (list.pop()), not the oldest."""
    buffer, results, done = deque(), [], threading.Event()
    _drive(
        [
            _producer(items, buffer, maxsize, done),
            _consumer(buffer, work, results, done, pop=deque.pop),
        ]
    )
    return results


def fills_without_bound(items, work, maxsize=4):
    """Reads every item into the buffer first ("the producer is fast"), then works."""
    buffer, results, done = deque(items), [], threading.Event()
    done.set()
    _drive([_consumer(buffer, work, results, done)])
    return results


def next_in_a_generator(items, work, maxsize=4):
    """The producer calls next(items) itself: at the end its StopIteration becomes a
    RuntimeError, since a generator may not let StopIteration escape (PEP 479)."""
    buffer, results, done = deque(), [], threading.Event()
    source = iter(items)

    def producer():
        while True:
            while len(buffer) >= maxsize:
                yield
            buffer.append(next(source))

    _drive([producer(), _consumer(buffer, work, results, done)])
    return results


def producer_waits_without_yielding(items, work, maxsize=4):
    """The producer waits for room in a loop instead of yielding: the consumer never gets a
    turn to make room, and the pipeline hangs."""
    buffer, results, done = deque(), [], threading.Event()

    def producer():
        for item in items:
            while len(buffer) >= maxsize and not ABANDON.is_set():
                pass  # "wait until the consumer has taken one"
            buffer.append(item)
        done.set()
        yield

    _drive([producer(), _consumer(buffer, work, results, done)])
    return results


def threads_and_a_queue(items, work, maxsize=4):
    """Notebook 05's answer: a consumer thread and a queue.Queue, no generators."""
    tasks, results, stop = queue.Queue(maxsize), [], object()
    failure = []

    def consumer():
        while (item := tasks.get()) is not stop:
            if not failure:
                try:
                    results.append(work(item))
                except Exception as exc:
                    failure.append(exc)

    thread = threading.Thread(target=consumer)
    thread.start()
    try:
        for item in items:
            if failure:
                break
            tasks.put(item)
    finally:
        tasks.put(stop)
        thread.join()
    if failure:
        raise failure[0]
    return results


def swallows_failures(items, work, maxsize=4):
    """Catches work's exception and goes on with the next item."""

    def forgiving(item):
        try:
            return work(item)
        except Exception:
            return None

    return reference(items, forgiving, maxsize)


def wraps_the_failure(items, work, maxsize=4):
    """Raises a RuntimeError of its own "from" work's exception."""
    try:
        return reference(items, work, maxsize)
    except Exception as exc:
        raise RuntimeError("the pipeline failed") from exc


WRONG = [
    wrong(never_closes, {"clean-end"}, "left 1 generator(s) suspended"),
    wrong(stops_when_empty, {"results", "exactly-once", "exception"}, "does not mean the end"),
    wrong(newest_first, {"results"}, "in the wrong order"),
    wrong(fills_without_bound, {"back-pressure"}, "at most 5 = maxsize + 2"),
    wrong(
        next_in_a_generator,
        {"results", "exactly-once", "back-pressure", "one-thread"},
        "StopIteration",
    ),
    wrong(
        producer_waits_without_yielding,
        {"results", "exactly-once", "back-pressure", "one-thread", "exception", "clean-end"},
        "a generator that never yields",
        slow=True,
    ),
    wrong(threads_and_a_queue, {"one-thread"}, "start no threads"),
    wrong(swallows_failures, {"exception"}, "returned although work raised"),
    wrong(wraps_the_failure, {"exception"}, "unchanged"),
]
