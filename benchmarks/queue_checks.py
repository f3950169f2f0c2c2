"""Wall time of the queue, pool and pipeline check suites, and the reference queue's throughput.

Run from the repository root, after `make test` has installed the test
extras (the wrong answers live in tests/):  .venv/bin/python benchmarks/queue_checks.py

For each suite it times the reference answer (from the solution notebook)
and the standard library's class where there is one, then every wrong
answer of the test corpus, and names the slowest (targets: under 3 s for a
reference, under 15 s for any wrong answer). Last, it measures the reference
queue's throughput against queue.Queue in alternating rounds and prints the
ratio. Numbers, not assertions: the machine's load moves them.
"""

from __future__ import annotations

import argparse
import queue
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netcourse.checks.pipelines import check_pipeline  # noqa: E402
from netcourse.checks.pools import check_pool  # noqa: E402
from netcourse.checks.queues import check_queue  # noqa: E402
from netcourse.tools import queuebench  # noqa: E402
from tests import wrong_pipelines, wrong_pools, wrong_queues  # noqa: E402

REFERENCE_TARGET, WRONG_TARGET = 3.0, 15.0


def timed(check: Callable, subject: object) -> tuple[float, str]:
    start = time.perf_counter()
    report = check(subject)
    failed = ",".join(r.id for r in report.failed()) or "-"
    return time.perf_counter() - start, failed


def suite(name: str, check: Callable, references: list, wrong: list) -> None:
    for label, subject in references:
        seconds, failed = timed(check, subject)
        target = f"(target < {REFERENCE_TARGET:g} s)"
        print(f"{name:9} {label:34} {seconds:6.2f} s  {target}  failed: {failed}")
    times = []
    for case in wrong:
        seconds, _ = timed(check, case.answer)
        times.append((seconds, case.name))
    slowest, which = max(times)
    mean = sum(t for t, _ in times) / len(times)
    print(
        f"{name:9} {'slowest wrong: ' + which:34} {slowest:6.2f} s  (target < {WRONG_TARGET:g} s)"
        f"  mean of {len(times)}: {mean:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds (default 5)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}")
    suite(
        "queue",
        check_queue,
        [("reference Queue", wrong_queues.Reference), ("queue.Queue", queue.Queue)],
        wrong_queues.WRONG,
    )
    suite(
        "pool",
        check_pool,
        [("reference Pool", wrong_pools.Reference), ("ThreadPoolExecutor", ThreadPoolExecutor)],
        wrong_pools.WRONG,
    )
    suite(
        "pipeline",
        check_pipeline,
        [("reference run_pipeline", wrong_pipelines.reference)],
        wrong_pipelines.WRONG,
    )
    comparison = queuebench.compare(wrong_queues.Reference, rounds=args.rounds)
    print(f"throughput of the reference Queue against queue.Queue: {comparison}")


if __name__ == "__main__":
    main()
