"""Flake soak: the check suites run again and again on references and wrong answers, under load.

    python autograder/soak.py [--runs 30] [--suites echo queue ...] [--sample N] [--no-load]

While one busy process per core keeps the machine loaded, every run checks
each suite's references (any failed check is a *false failure*) and its
corpus of wrong answers (a check that should fail and passes is a *false
pass*; one that should pass and fails, a false failure). The corpora are the
ones the tests use (tests/echo_wrong.py, tests/wrong_*.py). The target is
zero of each; the script exits 1 otherwise. tests/test_soak.py runs a short
version.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the corpora live in the tests package


@dataclass(frozen=True)
class Suite:
    """One checker with the subjects it must pass and the wrong ones it must catch."""

    name: str
    check: Callable  # a tests.three_ways.Case -> Report
    references: tuple  # Cases that must pass
    wrong: tuple  # Cases that must fail exactly their checks
    after_wrong: Callable[[], None] = lambda: None  # tidy up after a wrong subject


def _queue_suites() -> list[Suite]:
    import queue
    from concurrent.futures import ThreadPoolExecutor

    from netcourse.checks.pipelines import check_pipeline
    from netcourse.checks.pools import check_pool
    from netcourse.checks.queues import check_queue
    from tests import wrong_pipelines, wrong_pools, wrong_queues
    from tests.three_ways import right

    def on(checker: Callable) -> Callable:
        return lambda case: checker(case.answer, **case.options)

    return [
        Suite(
            "queue",
            on(check_queue),  # queue.Queue's shutdown check is skipped before 3.13, not failed
            (right(wrong_queues.Reference), right(queue.Queue)),
            tuple(wrong_queues.WRONG),
        ),
        Suite(
            "pool",
            on(check_pool),
            (right(wrong_pools.Reference), right(ThreadPoolExecutor)),
            tuple(wrong_pools.WRONG),
        ),
        Suite(
            "pipeline",
            on(check_pipeline),
            (right(wrong_pipelines.reference),),
            tuple(wrong_pipelines.WRONG),
        ),
    ]


def _echo_suites() -> list[Suite]:
    from netcourse.checks.echo import check_server
    from netcourse.checks.harness.server import POOL_KINDS
    from tests import echo_servers, echo_wrong
    from tests.three_ways import right

    def check_echo(case):
        return check_server(case.answer, case.options["kind"], workers=case.options.get("workers"))

    def release_spinners() -> None:  # threads a wrong server left spinning end on ABANDON
        echo_wrong.ABANDON.set()
        time.sleep(0.05)
        echo_wrong.ABANDON.clear()

    references = tuple(
        right(serve, kind=kind, workers=echo_servers.WORKERS if kind in POOL_KINDS else None)
        for serve, kind in echo_servers.REFERENCES.values()
    )
    return [Suite("echo", check_echo, references, tuple(echo_wrong.CORPUS), release_spinners)]


SUITE_MAKERS: dict[str, Callable[[], list[Suite]]] = {
    "echo": _echo_suites,
    "queue": _queue_suites,
    "pool": _queue_suites,
    "pipeline": _queue_suites,
}


def make_suites(names: list[str]) -> dict[str, Suite]:
    """The named suites, importing only the corpora they need."""
    unknown = set(names) - set(SUITE_MAKERS)
    if unknown:
        raise SystemExit(f"soak: no such suite: {', '.join(sorted(unknown))}")
    suites: dict[str, Suite] = {}
    for make in {id(SUITE_MAKERS[n]): SUITE_MAKERS[n] for n in names}.values():
        suites.update({suite.name: suite for suite in make()})
    return {name: suites[name] for name in names}


@dataclass
class Tally:
    """Checks run, and every false result with how often it happened."""

    checks: int = 0
    false_failures: Counter = field(default_factory=Counter)
    false_passes: Counter = field(default_factory=Counter)


def _name(case) -> str:
    kind = case.options.get("kind")
    return f"{case.name} as {kind}" if kind else case.name


def soak_once(suite: Suite, tally: Tally) -> None:
    """One pass over a suite's references and wrong answers, counted into ``tally``."""
    for case in (*suite.references, *suite.wrong):
        report = suite.check(case)
        tally.checks += len(report.results)
        failed = {r.id for r in report.failed()}
        for check_id in case.fails - failed:
            tally.false_passes[f"{suite.name}: {_name(case)} [{check_id}]"] += 1
        for check_id in failed - case.fails:
            tally.false_failures[f"{suite.name}: {_name(case)} [{check_id}]"] += 1
        if case.fails:
            suite.after_wrong()


# Spins until its parent is gone, so that a soak killed outright leaves no spinner behind.
SPIN = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass"


def busy_loops(count: int) -> list[subprocess.Popen]:
    """One process per core spinning, so the checks run on a loaded machine."""
    return [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(count)]


def sampled(suite: Suite, sample: int | None) -> Suite:
    """The suite with ``sample`` of its wrong answers, spread evenly over the corpus."""
    if sample is None or sample >= len(suite.wrong):
        return suite
    step = len(suite.wrong) / sample
    wrong = tuple(suite.wrong[int(i * step)] for i in range(sample))
    return replace(suite, wrong=wrong)


def soak(
    names: list[str],
    runs: int,
    load: bool,
    sample: int | None = None,
    log: Callable[[str], None] = print,
) -> Tally:
    """Run the named suites ``runs`` times, under load if asked, counting false results."""
    chosen = [sampled(suite, sample) for suite in make_suites(names).values()]
    tally = Tally()
    spinners = busy_loops(os.cpu_count() or 1) if load else []
    try:
        for run in range(1, runs + 1):
            start = time.monotonic()
            before = tally.false_failures + tally.false_passes
            for suite in chosen:
                soak_once(suite, tally)
            log(
                f"run {run}/{runs}: {time.monotonic() - start:.0f} s, "
                f"{sum(tally.false_failures.values())} false failures, "
                f"{sum(tally.false_passes.values())} false passes so far"
            )
            for what in (tally.false_failures + tally.false_passes) - before:
                log(f"  new in run {run}: {what}")  # so a run cut short still says what
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--suites", nargs="+", default=list(SUITE_MAKERS))
    parser.add_argument(
        "--sample", type=int, metavar="N", help="only N wrong answers per suite (all references)"
    )
    parser.add_argument("--no-load", action="store_true", help="do not start the busy loops")
    args = parser.parse_args()
    tally = soak(args.suites, args.runs, load=not args.no_load, sample=args.sample)
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
