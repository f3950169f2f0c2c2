"""``netcourse grade``: grade a folder of submissions with nbgrader, side by side."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from ..grading.limits import KernelLimits
from .options import add_course_option, course_of, positive

# The grading kernels' limits: flag, KernelLimits field, unit in bytes (or 1), metavar, help.
LIMITS = (
    ("--limit-cpu", "cpu_seconds", 1, "SECONDS", "CPU time of each process"),
    ("--limit-memory", "memory_bytes", 2**20, "MIB", "address space of each process"),
    ("--limit-tasks", "tasks", 1, "N", "processes and threads at once"),
    ("--limit-file-size", "file_bytes", 2**20, "MIB", "size of any file written"),
    ("--limit-forks", "forks", 1, "N", "processes started, all told"),
)


def register(commands: argparse._SubParsersAction) -> None:
    grade = commands.add_parser(
        "grade",
        help="grade a folder of submissions (instructors)",
        description="Grade SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb (or "
        "SUBMISSIONS/<student>.zip) with nbgrader autograde in scratch space, each student's "
        "kernels in a Linux sandbox of their own; SUBMISSIONS is never modified.",
    )
    add_course_option(grade)
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS")
    grade.add_argument(
        "--assignment",
        action="append",
        metavar="A",
        help="grade only this assignment (repeatable; default: every one found)",
    )
    grade.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="students graded side by side (default: the number of cores, %(default)s)",
    )
    grade.add_argument(
        "--timeout",
        type=positive(float),
        default=600.0,
        metavar="SECONDS",
        help="wall-clock limit for one student's assignment (default: %(default)s)",
    )
    grade.add_argument(
        "--cell-timeout",
        type=positive(float),
        metavar="SECONDS",
        help="limit for one cell (default: Execute.timeout in nbgrader_config.py)",
    )
    grade.add_argument(
        "--gradebook",
        metavar="FILE|URL",
        help="also record the scores in this nbgrader gradebook, for the formgrader and "
        "`nbgrader export`: a SQLite file (created if missing, e.g. the course's gradebook.db) "
        "or a database URL (postgresql://...)",
    )
    grade.add_argument(
        "--autograded",
        type=Path,
        metavar="DIR",
        help="also write the graded notebooks here, in nbgrader's layout (default with "
        "--gradebook: autograded/, which the formgrader needs to show the grades)",
    )
    grade.add_argument("--json", type=Path, metavar="FILE", help="also write the grades as JSON")
    grade.add_argument(
        "--csv", type=Path, default=Path("grades.csv"), metavar="FILE", help="default: %(default)s"
    )
    grade.add_argument(
        "--feedback",
        type=Path,
        default=Path("feedback"),
        metavar="DIR",
        help="feedback HTML per student (default: %(default)s/)",
    )
    limits = grade.add_argument_group(
        "limits for each grading kernel (Linux; see autograder/README.md)"
    )
    defaults = KernelLimits()
    for flag, name, scale, unit, what in LIMITS:
        limits.add_argument(
            flag,
            dest=name,
            type=int,
            default=getattr(defaults, name) // scale,
            metavar=unit,
            help=f"{what} (default: %(default)s)",
        )
    grade.add_argument(
        "--unsandboxed",
        action="store_true",
        help="grade where Linux namespaces are unavailable (macOS, Windows, some containers): "
        "submissions then run with your rights, so use it only for submissions you trust",
    )
    grade.add_argument(
        "--keep-scratch",
        action="store_true",
        help="keep the scratch course (nbgrader's folders and logs) for inspection",
    )
    grade.set_defaults(func=_grade)


def _grade(args: argparse.Namespace, extra: list[str]) -> int:
    from ..grading.classroom import GradeOptions, grade_class
    from ..grading.progress import Progress
    from ..grading.results import summary_line, summary_table, write_csv, write_json

    limits = KernelLimits(**{name: getattr(args, name) * scale for _, name, scale, _, _ in LIMITS})
    autograded = args.autograded or (Path("autograded") if args.gradebook else None)
    options = GradeOptions(
        submissions=args.submissions,
        assignments=args.assignment or [],
        jobs=args.jobs,
        timeout=args.timeout,
        feedback_dir=args.feedback,
        keep_scratch=args.keep_scratch,
        limits=limits,
        cell_timeout=args.cell_timeout,
        gradebook=args.gradebook,
        autograded_dir=autograded,
        sandboxed=not args.unsandboxed,
    )
    # SIGTERM ends the run as Ctrl-C does: workers stopped, scratch space removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    outcomes = grade_class(course_of(args), options, Progress(sys.stderr))
    print(summary_table(outcomes))
    write_csv(outcomes, args.csv)
    written = [f"grades: {args.csv}", f"feedback: {args.feedback}/"]
    if args.json:
        write_json(outcomes, args.json, options.sandboxed)
        written.append(f"json: {args.json}")
    if autograded:
        written.append(f"graded notebooks: {autograded}/")
    print(summary_line(outcomes, options.sandboxed) + "; " + ", ".join(written))
    return 0
