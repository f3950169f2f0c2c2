"""Grading throughput without and with the sandbox, at --jobs 1 and --jobs 2, in one run.

    python benchmarks/grade_jobs.py [--submissions 40] [--jobs 2] [--baseline REF]

The class mixes correct, blank, buggy and hostile submissions to 00, 02 and
05, built from autograder/corpus.py (cases that spend a whole time budget
are left out: they measure the budget, not the grader). The same class is
graded unsandboxed (before) and sandboxed (after), the two runs of each
--jobs value one right after the other, so the machine's load hits both
alike. ``--baseline REF`` adds the grader of a git commit (e.g. the one
before the sandbox) as a third column, from a copy of that commit's course
(its notebooks should match today's, which the class is built from).
Prints the wall time, the seconds per submission and the --jobs ratio of each.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
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


def export(ref: str, into: Path) -> Path:
    """The course at git commit ``ref``, unpacked into ``into``."""
    into.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def grade(submissions: Path, jobs: int, mode: str, work: Path, baseline: Path | None) -> float:
    env, course = dict(os.environ), ROOT
    extra = ["--unsandboxed"] if mode == "unsandboxed" else []
    if mode == "baseline":
        env["PYTHONPATH"], course = str(baseline / "src"), baseline
    out = work / f"{mode}-{jobs}"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "netcourse", "grade", str(submissions), "--jobs", str(jobs),
         "--limit-memory", "2048", "--csv", f"{out}.csv", "--feedback", f"{out}-feedback",
         "--course", str(course), *extra],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline", metavar="REF", help="also grade with this commit's grader")
    args = parser.parse_args()
    modes = ["unsandboxed", "sandboxed"] + (["baseline"] if args.baseline else [])
    seconds: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        baseline = export(args.baseline, work / "baseline") if args.baseline else None
        build_class(work / "submissions", args.submissions)
        for jobs in (1, args.jobs):
            for mode in modes:
                seconds[mode, jobs] = grade(work / "submissions", jobs, mode, work, baseline)
    n = args.submissions
    names = {"unsandboxed": "before (unsandboxed)", "sandboxed": "after (sandboxed)",
             "baseline": f"baseline ({args.baseline})"}  # fmt: skip
    print(f"{n} submissions; wall time, seconds per submission")
    for mode in modes:
        one, many = seconds[mode, 1], seconds[mode, args.jobs]
        print(
            f"{names[mode]:24} --jobs 1: {one:6.1f} s ({one / n:.2f} s/sub)   "
            f"--jobs {args.jobs}: {many:6.1f} s ({many / n:.2f} s/sub)   "
            f"ratio --jobs {args.jobs} / --jobs 1: {many / one:.2f}"
        )
    for jobs in (1, args.jobs):
        extra = (seconds["sandboxed", jobs] - seconds["unsandboxed", jobs]) / n
        print(f"the sandbox's cost at --jobs {jobs}: {extra:+.2f} s per submission")


if __name__ == "__main__":
    main()
