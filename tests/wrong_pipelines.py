"""Realistic wrong answers to notebook 05's pipeline exercise, each with the checks it must fail."""

from __future__ import annotations

import queue
import threading

from .conftest import QUEUES_AND_POOLS, ROOT
from .notebook_tools import load_answers
from .three_ways import wrong

reference = load_answers(ROOT / "solutions" / QUEUES_AND_POOLS, "pipeline")["run_pipeline"]
stub = load_answers(ROOT / "notebooks" / QUEUES_AND_POOLS, "pipeline")["run_pipeline"]


def _pipeline(items, work, workers, tasks, *, catch=True, gather=None, join=True, stops=None):
    """A pipeline with knobs for one mistake each; the defaults make it correct but unbounded."""
    stop = object()
    outcomes = {}
    arrived = []

    def worker():
        while (task := tasks.get()) is not stop:
            index, item = task
            if catch:
                try:
                    outcomes[index] = (True, work(item))
                except Exception as exc:
                    outcomes[index] = (False, exc)
            else:
                outcomes[index] = (True, work(item))
            arrived.append(index)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    count = 0
    for task in items:
        tasks.put(task)
        count += 1
    for _ in range(workers if stops is None else stops):
        tasks.put(stop)
    if join:
        for thread in threads:
            thread.join()
    else:
        while len(arrived) < count:
            threading.Event().wait(0.001)
    order = arrived if gather == "arrival" else range(count)
    results = []
    for index in order:
        ok, value = outcomes[index]
        if not ok:
            raise value
        results.append(value)
    return results


def unbounded(items, work, workers=4, maxsize=8):
    """Feeds an unbounded Queue(): the reader runs as far ahead as it likes."""
    return _pipeline(enumerate(items), work, workers, queue.Queue())


def reads_everything_first(items, work, workers=4, maxsize=8):
    """Turns the items into a list first ("to know how many there are")."""
    return _pipeline(enumerate(list(items)), work, workers, queue.Queue(maxsize))


def arrival_order(items, work, workers=4, maxsize=8):
    """Returns the results in the order the workers finished them."""
    return _pipeline(enumerate(items), work, workers, queue.Queue(maxsize), gather="arrival")


def exception_kills_worker(items, work, workers=4, maxsize=8):
    """Lets work's exception escape: the worker thread dies and its item has no result."""
    return _pipeline(enumerate(items), work, workers, queue.Queue(maxsize), catch=False)


def failures_become_none(items, work, workers=4, maxsize=8):
    """Swallows work's exceptions and puts None in their place."""

    def forgiving(item):
        try:
            return work(item)
        except Exception:
            return None

    return _pipeline(enumerate(items), forgiving, workers, queue.Queue(maxsize))


def one_stop_for_all(items, work, workers=4, maxsize=8):
    """Sends one sentinel for all workers and does not join: the others wait forever."""
    return _pipeline(enumerate(items), work, workers, queue.Queue(maxsize), join=False, stops=1)


def sequential(items, work, workers=4, maxsize=8):
    """No threads at all: one item after another."""
    results, failure = [], None
    for item in items:
        try:
            results.append(work(item))
        except Exception as exc:
            failure = failure or exc
    if failure:
        raise failure
    return results


# (wrong answer, the checks it fails, a phrase its messages must contain)
def works_twice(items, work, workers=4, maxsize=8):
    """Lets the workers run work(), then calls it again on every item to have the results in
    order ("to be sure"): each item is processed twice."""
    seen = []

    def recorded():
        for index, item in enumerate(items):
            seen.append(item)
            yield index, item

    _pipeline(recorded(), work, workers, queue.Queue(maxsize))
    return [work(item) for item in seen]


WRONG = [
    wrong(works_twice, {"exactly-once"}, "processed more than once"),
    wrong(unbounded, {"back-pressure"}, "whose put blocks while it is full"),
    wrong(reads_everything_first, {"back-pressure"}, "took 200 of 200 items"),
    wrong(arrival_order, {"results"}, "in the wrong order"),
    wrong(exception_kills_worker, {"exception"}, "an exception in a thread"),
    wrong(failures_become_none, {"exception"}, "returned although work raised"),
    wrong(one_stop_for_all, {"no-leak"}, "still alive when run_pipeline returned"),
    wrong(sequential, {"concurrency"}, "never filled"),
]
