"""Wall time of the whole echo check suite: each reference server, and each wrong one.

    .venv/bin/python benchmarks/echo_checks.py [--repeat N]

Targets (issue 3): under 3 s on a correct server, under 15 s on any wrong one.
Not a test: it prints the numbers, measured side by side in one run, so run it
on a quiet machine for the targets and on a busy one for the margins.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netcourse.checks.echo import check_server  # noqa: E402
from netcourse.checks.harness.server import POOL_KINDS  # noqa: E402
from tests.echo_servers import REFERENCES, WORKERS  # noqa: E402
from tests.echo_wrong import ABANDON, CORPUS  # noqa: E402

CORRECT_TARGET, WRONG_TARGET = 3.0, 15.0


def timed(serve, kind, workers) -> tuple[float, bool]:
    start = time.perf_counter()
    report = check_server(serve, kind, workers=workers)
    return time.perf_counter() - start, report.passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per server (median shown)")
    repeat = parser.parse_args().repeat

    print(f"{'reference server':<32} {'kind':<13} {'median s':>8}  {'max s':>6}  verdict")
    for name, (serve, kind) in REFERENCES.items():
        runs = [timed(serve, kind, WORKERS if kind in POOL_KINDS else None) for _ in range(repeat)]
        seconds = [s for s, _ in runs]
        ok = all(passed for _, passed in runs) and max(seconds) < CORRECT_TARGET
        print(
            f"{name:<32} {kind:<13} {statistics.median(seconds):8.2f}  {max(seconds):6.2f}  "
            + ("ok" if ok else f"OVER {CORRECT_TARGET:g} s or failed")
        )

    print(f"\n{'wrong server':<32} {'kind':<13} {'median s':>8}  {'max s':>6}  verdict")
    slowest = (0.0, "")
    for wrong in CORPUS:
        seconds = []
        for _ in range(repeat):
            ABANDON.clear()
            seconds.append(
                timed(wrong.answer, wrong.options["kind"], wrong.options.get("workers"))[0]
            )
            ABANDON.set()
        slowest = max(slowest, (max(seconds), wrong.name))
        verdict = "ok" if max(seconds) < WRONG_TARGET else f"OVER {WRONG_TARGET:g} s"
        print(
            f"{wrong.name:<32} {wrong.options['kind']:<13} {statistics.median(seconds):8.2f}  "
            f"{max(seconds):6.2f}  {verdict}"
        )
    print(f"\nslowest wrong server: {slowest[1]}, {slowest[0]:.2f} s")


if __name__ == "__main__":
    main()
