"""Flake soak: the check suites run again and again on references and wrong answers, under load.

    python autograder/soak.py [--runs 30] [--suites queue pool pipeline ...] [--no-load]

While one busy process per core keeps the machine loaded, every run checks
each suite's references (any failed check is a *false failure*) and its
corpus of wrong answers (a check that should fail and passes is a *false
pass*; one that should pass and fails, a false failure). The corpora are the
ones the tests use (tests/wrong_*.py). The target is zero of each; the script
exits 1 otherwise. tests/test_soak.py runs a short version.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the corpora live in the tests package


@dataclass(frozen=True)
class Suite:
    """One checker with the subjects it must pass and the wrong ones it must catch."""

    name: str
    check: Callable  # subject -> Report
    references: tuple
    wrong: tuple  # (subject, ids that must fail, phrase)


def _queue_suites() -> list[Suite]:
    import queue
    from concurrent.futures import ThreadPoolExecutor

    from netcourse.checks.pipelines import check_pipeline
    from netcourse.checks.pools import check_pool
    from netcourse.checks.queues import check_queue
    from tests import wrong_pipelines, wrong_pools, wrong_queues

    def check_standard_queue(subject):  # shutdown is skipped before 3.13, never failed
        return check_queue(subject)

    return [
        Suite(
            "queue",
            check_standard_queue,
            (wrong_queues.Reference, queue.Queue),
            tuple(wrong_queues.WRONG),
        ),
        Suite(
            "pool",
            check_pool,
            (wrong_pools.Reference, ThreadPoolExecutor),
            tuple(wrong_pools.WRONG),
        ),
        Suite(
            "pipeline", check_pipeline, (wrong_pipelines.reference,), tuple(wrong_pipelines.WRONG)
        ),
    ]


SUITE_MAKERS: dict[str, Callable[[], list[Suite]]] = {"queue": _queue_suites}


def all_suites() -> dict[str, Suite]:
    suites: dict[str, Suite] = {}
    for make in {id(m): m for m in SUITE_MAKERS.values()}.values():
        suites.update({suite.name: suite for suite in make()})
    return suites


@dataclass
class Tally:
    """Checks run, and every false result with how often it happened."""

    checks: int = 0
    false_failures: Counter = field(default_factory=Counter)
    false_passes: Counter = field(default_factory=Counter)


def _name(subject) -> str:
    return getattr(subject, "__qualname__", None) or getattr(subject, "__name__", repr(subject))


def soak_once(suite: Suite, tally: Tally) -> None:
    """One pass over a suite's references and wrong answers, counted into ``tally``."""
    for subject in suite.references:
        report = suite.check(subject)
        tally.checks += len(report.results)
        for result in report.failed():
            tally.false_failures[f"{suite.name}: {_name(subject)} [{result.id}]"] += 1
    for subject, failing, _phrase in suite.wrong:
        report = suite.check(subject)
        tally.checks += len(report.results)
        failed = {r.id for r in report.failed()}
        for check_id in failing - failed:
            tally.false_passes[f"{suite.name}: {_name(subject)} [{check_id}]"] += 1
        for check_id in failed - failing:
            tally.false_failures[f"{suite.name}: {_name(subject)} [{check_id}]"] += 1


def busy_loops(count: int) -> list[subprocess.Popen]:
    """One process per core spinning, so the checks run on a loaded machine."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def soak(names: list[str], runs: int, load: bool, log: Callable[[str], None] = print) -> Tally:
    suites = all_suites()
    chosen = [suites[name] for name in names]
    tally = Tally()
    spinners = busy_loops(os.cpu_count() or 1) if load else []
    try:
        for run in range(1, runs + 1):
            start = time.monotonic()
            for suite in chosen:
                soak_once(suite, tally)
            log(
                f"run {run}/{runs}: {time.monotonic() - start:.0f} s, "
                f"{sum(tally.false_failures.values())} false failures, "
                f"{sum(tally.false_passes.values())} false passes so far"
            )
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--suites", nargs="+", default=sorted(all_suites()))
    parser.add_argument("--no-load", action="store_true", help="do not start the busy loops")
    args = parser.parse_args()
    tally = soak(args.suites, args.runs, load=not args.no_load)
    print(f"\n{args.runs} runs of {', '.join(args.suites)}: {tally.checks} checks")
    for title, counter in (
        ("false failures", tally.false_failures),
        ("false passes", tally.false_passes),
    ):
        print(f"{title}: {sum(counter.values())}")
        for what, count in counter.most_common():
            print(f"  {count:3d}x {what}")
    return 1 if tally.false_failures or tally.false_passes else 0


if __name__ == "__main__":
    sys.exit(main())
