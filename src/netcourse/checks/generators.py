"""Checks for a producer–consumer pipeline of generators in one thread (notebook 06).

The contract of ``run_pipeline(items, work, maxsize=4) -> list``:

* a *producer* generator takes ``items`` one by one (any iterable, read once,
  lazily) and appends them to a buffer of at most ``maxsize`` items; when the
  buffer is full it yields, so that the consumer can run;
* a *consumer* generator takes items from the front of the buffer and calls
  ``work(item)`` on each; when the buffer is empty it yields, so that the
  producer can run;
* ``run_pipeline`` lets the two take turns, all in the thread that called it
  (no threads), until the producer has run out of items and the consumer has
  emptied the buffer, and returns ``[work(item) for item in items]`` in input
  order, calling ``work`` once per item;
* back-pressure: at most ``maxsize + 2`` items have been taken from ``items``
  whose work has not finished (``maxsize`` in the buffer, one in the
  producer's hand, one in ``work``);
* if ``work`` raises, the pipeline stops: ``run_pipeline`` raises that
  exception, ``work`` is called for no later item, and no generator it started
  is left suspended (close them, in a ``finally``): a suspended generator keeps
  its ``finally`` blocks and what they would release pending for as long as
  the exception's traceback lives.
"""

from __future__ import annotations

import gc
import inspect
import sys
import threading
import types
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness.calls import Call, guarded, student_threads_since
from .harness.capture import capture, live_threads
from .harness.core import CheckFailure, Checklist, Report, SkipCheck, short_repr

RunPipeline = Callable[..., list]

# A run of a few hundred quick items takes milliseconds; this is for a loaded machine.
RUN_DEADLINE = 5.0
# Generators of this package, the standard library and installed packages are not the student's.
_NOT_STUDENTS = tuple(
    {str(Path(__file__).resolve().parents[1]), sys.prefix, sys.base_prefix, sys.exec_prefix, "<"}
)


@dataclass(frozen=True)
class GeneratorPipeline:
    """The student's run_pipeline, and the buffer size it is called with."""

    run: RunPipeline
    maxsize: int = 3


CHECKS: Checklist[GeneratorPipeline] = Checklist("generator pipeline")


@dataclass
class _Trace:
    """What happened during one run: items taken, work done, and in which threads."""

    pulled: int = 0
    finished: int = 0
    calls: dict[Any, int] = field(default_factory=dict)
    most_in_flight: int = 0
    threads: set[int] = field(default_factory=set)
    caller: int = 0
    error: Exception | None = None
    after_error: list[Any] = field(default_factory=list)

    def source(self, count: int) -> Iterator[int]:
        for n in range(count):
            self.pulled += 1
            self.threads.add(threading.get_ident())
            yield n

    def work(self, fail_at: int | None = None) -> Callable[[Any], Any]:
        def work(item: Any) -> Any:
            self.threads.add(threading.get_ident())
            if self.error is not None:
                self.after_error.append(item)
            self.calls[item] = self.calls.get(item, 0) + 1
            self.most_in_flight = max(self.most_in_flight, self.pulled - self.finished)
            if item == fail_at:
                self.error = ValueError(f"work fails for item {item} on purpose")
                raise self.error
            self.finished += 1
            return ("done", item)

        return work


def _label(count: int, work: str, maxsize: int) -> str:
    return f"run_pipeline(<{count} items>, {work}, maxsize={maxsize})"


def _run(
    subject: GeneratorPipeline,
    items: Iterable[Any],
    work: Callable,
    count: int,
    trace: _Trace | None = None,
) -> Call:
    label = _label(count, getattr(work, "__name__", "work"), subject.maxsize)

    def run_pipeline() -> Any:
        if trace is not None:
            trace.caller = threading.get_ident()
        return subject.run(items, work, subject.maxsize)

    return Call(label, run_pipeline)


def _finish(call: Call) -> Any:
    return call.value(
        RUN_DEADLINE,
        f"did not return within {RUN_DEADLINE:g} s: the producer and the consumer must take "
        "turns until the items run out and the buffer is empty; a generator that never "
        "yields, or a loop that never ends, hangs the pipeline",
    )


def _hang_after(fail_at: int) -> str:
    return (
        f"did not return within {RUN_DEADLINE:g} s: after work raised (for item {fail_at}), "
        "the pipeline must stop and raise it"
    )


def _cube(n: int) -> int:
    return n**3


@CHECKS.check("results")
def _results(subject: GeneratorPipeline) -> None:
    for count in (0, 1, 2, 37):
        got = _finish(_run(subject, iter(range(count)), _cube, count))
        want = [n**3 for n in range(count)]
        if got == want:
            continue
        label = _label(count, "cube", subject.maxsize)
        if isinstance(got, list) and sorted(got) == sorted(want):
            raise CheckFailure(
                "the right results came back in the wrong order: take items from the front of "
                f"the buffer (deque.popleft()) and append each result as you go (the call: {label})"
            )
        if isinstance(got, list) and got == want[: len(got)]:
            raise CheckFailure(
                f"only the first {len(got)} of {count} results came back: an empty buffer does "
                "not mean the end; the consumer stops only once the producer has finished and "
                f"the buffer is empty (the call: {label})"
            )
        raise CheckFailure(
            f"the results were not [cube(item) for item in items]: {label} returned "
            f"{short_repr(got)}"
        )


@CHECKS.check("exactly-once")
def _exactly_once(subject: GeneratorPipeline) -> None:
    trace, count = _Trace(), 200
    _finish(_run(subject, trace.source(count), trace.work(), count))
    twice = sorted(item for item, n in trace.calls.items() if n > 1)
    missing = sorted(set(range(count)) - set(trace.calls))
    if twice or missing:
        faults = []
        if twice:
            faults.append(f"{len(twice)} were worked on more than once (e.g. {twice[0]})")
        if missing:
            faults.append(f"{len(missing)} never (e.g. {missing[0]})")
        fault = "items were worked on more than once" if twice else "items were never worked on"
        if twice and missing:
            fault = "some items were worked on more than once, others never"
        raise CheckFailure(
            f"{fault}: each item goes into the buffer once and the consumer takes it out once (of "
            f"{count} items, {' and '.join(faults)})"
        )


@CHECKS.check("back-pressure")
def _back_pressure(subject: GeneratorPipeline) -> None:
    trace, count = _Trace(), 200
    _finish(_run(subject, trace.source(count), trace.work(), count))
    bound = subject.maxsize + 2
    if trace.most_in_flight > bound:
        raise CheckFailure(
            f"{trace.most_in_flight} items were taken from items before their work had finished: "
            "when the buffer holds maxsize items, the producer must yield and take no more "
            f"until the consumer made room (at most {bound} = maxsize + 2 may be in flight)"
        )


@CHECKS.check("one-thread")
def _one_thread(subject: GeneratorPipeline) -> None:
    trace, count = _Trace(), 20
    before = live_threads()
    _finish(_run(subject, trace.source(count), trace.work(), count, trace))
    started = student_threads_since(before)
    others = trace.threads - {trace.caller}
    if others or started:
        raise CheckFailure(
            "items were taken or worked on in a thread other than run_pipeline's caller: "
            "generators take turns in one thread, so start no threads; let "
            "each generator yield when it cannot go on"
        )


@CHECKS.check("exception")
def _exception(subject: GeneratorPipeline) -> None:
    trace, count, fail_at = _Trace(), 20, 7
    work = trace.work(fail_at)
    call = _run(subject, trace.source(count), work, count)
    error = call.error(RUN_DEADLINE, _hang_after(fail_at))
    if error is None:
        raise CheckFailure(
            "run_pipeline returned although work raised: let the exception propagate (the "
            f"pipeline stops at its first failure; {call.label} returned although work raised "
            f"ValueError for item {fail_at})"
        )
    if error is not trace.error:
        raise CheckFailure(
            f"run_pipeline raised {type(error).__name__}, not the ValueError work raised: "
            f"raise the ValueError that work raised for item {fail_at}, unchanged "
            f"({call.label} raised {type(error).__name__}: {error})"
        )
    if trace.after_error:
        raise CheckFailure(
            f"after work raised for item {fail_at}, work was still called for item "
            f"{trace.after_error[0]}: the pipeline stops at the first failure"
        )


@CHECKS.check("clean-end")
def _clean_end(subject: GeneratorPipeline) -> None:
    trace, count, fail_at = _Trace(), 20, 3
    before = _live_generators()
    call = _run(subject, trace.source(count), trace.work(fail_at), count)
    error = call.error(RUN_DEADLINE, _hang_after(fail_at))
    if error is None:
        raise SkipCheck("run_pipeline did not raise when work did: see exception")
    # The exception is held here, as a caller would hold it, with its traceback and frames.
    left = [g for g in _suspended_generators() if g not in before]
    if left:
        names = sorted({g.__qualname__ for g in left})
        raise CheckFailure(
            f"when work raised, run_pipeline left {len(left)} generator(s) suspended: close() "
            "every generator you started, in a finally block, so that their own finally "
            f"blocks run now, not when the traceback is collected (left suspended: "
            f"{', '.join(names)})"
        )


def _live_generators() -> weakref.WeakSet:
    return weakref.WeakSet(o for o in gc.get_objects() if isinstance(o, types.GeneratorType))


def _suspended_generators() -> list[types.GeneratorType]:
    """Suspended generators of code outside this package (the student's), alive now."""
    return [
        o
        for o in gc.get_objects()
        if isinstance(o, types.GeneratorType)
        and inspect.getgeneratorstate(o) == inspect.GEN_SUSPENDED
        and not o.gi_code.co_filename.startswith(_NOT_STUDENTS)
    ]


def check_pipeline(
    run_pipeline: RunPipeline, only: Iterable[str] | None = None, *, maxsize: int = 3
) -> Report:
    """Run the generator-pipeline checks (or those named in ``only``) on ``run_pipeline``."""
    subject = GeneratorPipeline(run_pipeline, maxsize)
    with capture():  # what abandoned threads report after their check has ended
        return CHECKS.run("run_pipeline", subject, only, wrap=guarded)


__all__ = ["CHECKS", "check_pipeline"]
