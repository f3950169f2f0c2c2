"""Grading throughput: the same 40 submissions graded with --jobs 1 and --jobs 2, side by side.

    python benchmarks/grade_jobs.py [--submissions 40] [--jobs 2]

The class mixes correct, blank, buggy and hostile submissions to 00, 02 and
05, built from autograder/corpus.py (hostile cases that spend a whole time budget are left
out: they measure the budget, not the grader). Prints the wall time of each
run, the time per submission, and the ratio of the two runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# 20 cases over 00, 02 and 05: correct, buggy and hostile, each class cycles through them.
MIX = ["correct", "blank", "sys-exit", "fork-loop", "replaces-checker", "corrupt-json",
       "duplicated-cells", "kernel-killed-late", "memory-hog", "tampers-during-check",
       "tcp-correct", "tcp-blank", "tcp-replaces-checker", "tcp-patches-socket",
       "tcp-server-never-returns", "queues-correct", "queues-blank", "queues-get-never-woken",
       "queues-replaces-checker", "queues-pool-never-stops"]  # fmt: skip


def load_corpus():
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "autograder" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_class(folder: Path, count: int) -> None:
    corpus = load_corpus()
    by_name = {case.name: case for case in corpus.CASES}
    cases = [
        replace(by_name[MIX[i % len(MIX)]], name=f"s{i:03d}-{MIX[i % len(MIX)]}")
        for i in range(count)
    ]
    corpus.build(cases, folder)


def grade(submissions: Path, jobs: int, work: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "netcourse", "grade", str(submissions), "--jobs", str(jobs),
         "--limit-memory", "2048", "--csv", str(work / f"grades-{jobs}.csv"),
         "--feedback", str(work / f"feedback-{jobs}"), "--course", str(ROOT)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_class(work / "submissions", args.submissions)
        one = grade(work / "submissions", 1, work)
        many = grade(work / "submissions", args.jobs, work)
    n = args.submissions
    print(f"{n} submissions, --jobs 1: {one:6.1f} s ({one / n:.2f} s per submission)")
    print(f"{n} submissions, --jobs {args.jobs}: {many:6.1f} s ({many / n:.2f} s per submission)")
    print(f"ratio --jobs {args.jobs} / --jobs 1: {many / one:.2f}")


if __name__ == "__main__":
    main()
