"""Realistic wrong answers to notebook 06's scheduler, with the checks each must fail."""

from __future__ import annotations

import heapq
import itertools
import select
import selectors
import time
from collections import deque

from .conftest import COROUTINES, ROOT
from .notebook_tools import load_answers
from .three_ways import wrong

reference = load_answers(ROOT / "solutions" / COROUTINES, "scheduler")["run"]
stub = load_answers(ROOT / "notebooks" / COROUTINES, "scheduler")["run"]

EVENTS = {"readable": selectors.EVENT_READ, "writable": selectors.EVENT_WRITE}


def _scheduler(
    tasks,
    *,
    spawner_goes_on=True,
    close_spawned=True,
    sleepers_in_order_of_arrival=False,
    sleep_blocks=False,
    io_one_at_a_time=False,
    io_is_a_yield=False,
    poll_only_when_idle=False,
    never_wait=False,
    swallow_errors=False,
    values_as_they_end=False,
):
    """A scheduler with knobs for one mistake each; the defaults make it the reference's twin."""
    given = list(tasks)
    values, ended = {}, []
    alive, line = set(given), deque(given)
    sleepers, tie = [], itertools.count()
    selector = selectors.DefaultSelector()

    def step(task):
        try:
            trap = task.send(None)
            while isinstance(trap, tuple) and trap[0] == "spawn":
                alive.add(trap[1])
                line.append(trap[1])
                if not spawner_goes_on:
                    return None
                trap = task.send(None)
        except StopIteration as end:
            alive.discard(task)
            if task in given:
                values[given.index(task)] = end.value
                ended.append(end.value)
            return "ended"
        except Exception:
            if not swallow_errors:
                raise
            alive.discard(task)
            return "ended"
        return trap

    try:
        while len(values) < len(given):
            for _ in range(len(line)):
                task = line.popleft()
                trap = step(task)
                if trap == "ended":
                    continue
                if trap is None or (io_is_a_yield and trap[0] in EVENTS):
                    line.append(task)
                elif trap[0] == "sleep":
                    if sleep_blocks:
                        time.sleep(trap[1])
                        line.append(task)
                    elif sleepers_in_order_of_arrival:
                        sleepers.append((time.monotonic() + trap[1], next(tie), task))
                    else:
                        heapq.heappush(sleepers, (time.monotonic() + trap[1], next(tie), task))
                elif io_one_at_a_time:
                    waiting = ([trap[1]], [], []) if trap[0] == "readable" else ([], [trap[1]], [])
                    select.select(*waiting)
                    line.append(task)
                else:
                    selector.register(trap[1], EVENTS[trap[0]], task)
            if poll_only_when_idle and line:
                continue
            if never_wait or line:
                timeout = 0
            elif sleepers:
                timeout = max(0, sleepers[0][0] - time.monotonic())
            else:
                timeout = None
            if selector.get_map():
                for key, _ in selector.select(timeout):
                    selector.unregister(key.fileobj)
                    line.append(key.data)
            elif timeout:
                time.sleep(timeout)
            while sleepers and sleepers[0][0] <= time.monotonic():
                line.append(
                    sleepers.pop(0)[2]
                    if sleepers_in_order_of_arrival
                    else heapq.heappop(sleepers)[2]
                )
    finally:
        selector.close()
        for task in alive:
            if close_spawned or task in given:
                task.close()
    if values_as_they_end:
        return ended
    return [values[n] for n in range(len(given))]


def values_in_order_of_ending(tasks):
    """Collects the return values as the tasks end, not in the order they were given."""
    return _scheduler(tasks, values_as_they_end=True)


def spawner_waits(tasks):
    """Puts the spawning task back in line, behind the task it spawned."""
    return _scheduler(tasks, spawner_goes_on=False)


def spawned_left_open(tasks):
    """Returns without closing the tasks that were spawned and are still unfinished."""
    return _scheduler(tasks, close_spawned=False)


def sleepers_in_a_list(tasks):
    """Keeps sleepers in a list in the order they went to sleep, and wakes the first one
    once its deadline has passed."""
    return _scheduler(tasks, sleepers_in_order_of_arrival=True)


def sleeps_with_time_sleep(tasks):
    """Handles ("sleep", s) with time.sleep(s), then puts the task back in line."""
    return _scheduler(tasks, sleep_blocks=True)


def one_select_per_socket(tasks):
    """Waits for each socket on its own, with select() on that socket alone."""
    return _scheduler(tasks, io_one_at_a_time=True)


def io_traps_are_yields(tasks):
    """Knows only None and "sleep": a task waiting on a socket is simply resumed next round."""
    return _scheduler(tasks, io_is_a_yield=True)


def polls_only_when_idle(tasks):
    """Looks for ready sockets and due sleepers only when no task is ready."""
    return _scheduler(tasks, poll_only_when_idle=True)


def select_timeout_zero(tasks):
    """Always calls select(0): with nothing ready it spins instead of waiting."""
    return _scheduler(tasks, never_wait=True)


def errors_end_one_task(tasks):
    """Catches a task's exception, drops that task and goes on with the others."""
    return _scheduler(tasks, swallow_errors=True)


WRONG = [
    wrong(values_in_order_of_ending, {"round-robin"}, "return values (StopIteration.value)"),
    wrong(spawner_waits, {"spawn"}, "the spawner goes on at once"),
    wrong(spawned_left_open, {"spawn", "errors"}, "not closed"),
    wrong(sleepers_in_a_list, {"sleep"}, "order of their deadlines"),
    wrong(
        sleeps_with_time_sleep, {"sleep", "spawn", "readable", "errors"}, "time.sleep", slow=True
    ),
    wrong(one_select_per_socket, {"readable", "writable", "errors"}, "did not return", slow=True),
    wrong(io_traps_are_yields, {"readable", "writable"}, "resumed before"),
    wrong(polls_only_when_idle, {"no-starvation"}, "every time round the line", slow=True),
    wrong(select_timeout_zero, {"no-busy-wait"}, "wait in select()"),
    wrong(errors_end_one_task, {"errors"}, "ends the run at once", slow=True),
]
