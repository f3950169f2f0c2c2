"""The ``netcourse`` command: one entry point for students and instructors."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from .errors import UsageError
from .grading.limits import KernelLimits
from .nbgrader_run import NbgraderError
from .paths import Course, find_course

# netcourse grade's options for the grading kernels' limits: flag, KernelLimits
# field, unit in bytes (or 1), metavar, help.
LIMITS = (
    ("--limit-cpu", "cpu_seconds", 1, "SECONDS", "CPU time of each process"),
    ("--limit-memory", "memory_bytes", 2**20, "MIB", "address space of each process"),
    ("--limit-tasks", "tasks", 1, "N", "processes and threads at once"),
    ("--limit-file-size", "file_bytes", 2**20, "MIB", "size of any file written"),
    ("--limit-forks", "forks", 1, "N", "processes started, all told"),
)

# Commands that live in modules of their own: each module has a function
# ``register(commands)`` that adds its sub-parser (keep imports there cheap).
COMMAND_MODULES: list[str] = ["netcourse.echo_commands", "netcourse.queue_commands"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every netcourse error is."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _course(args: argparse.Namespace) -> Course:
    return find_course(args.course) if args.course else find_course()


def _doctor(args: argparse.Namespace, extra: list[str]) -> int:
    from .envcheck import doctor

    report = doctor()
    print(report)
    return 0 if report.ok else 1


def _lab(args: argparse.Namespace, extra: list[str]) -> int:
    from .lab import run_lab

    return run_lab(_course(args), args.port, not args.no_browser, extra)


def _release(args: argparse.Namespace, extra: list[str]) -> int:
    from .release import release

    course = _course(args)
    assignments = course.check_assignments(args.assignments)
    changed = release(course, assignments, check=args.check)
    if args.check:
        for line in changed:
            print(f"out of date: {line}")
        if changed:
            print(
                "run `netcourse release` to regenerate notebooks/ from solutions/", file=sys.stderr
            )
            return 1
        print(f"notebooks/ is in sync with solutions/ ({', '.join(assignments)})")
        return 0
    for line in changed:
        print(f"updated: {line}")
    print(f"released {', '.join(assignments)}" + ("" if changed else " (nothing changed)"))
    return 0


def _grade(args: argparse.Namespace, extra: list[str]) -> int:
    from .grading.classroom import GradeOptions, grade_class
    from .grading.results import summary_table, write_csv, write_json

    limits = KernelLimits(**{name: getattr(args, name) * scale for _, name, scale, _, _ in LIMITS})
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
    )
    outcomes = grade_class(_course(args), options, log=lambda line: print(line, file=sys.stderr))
    print(summary_table(outcomes))
    write_csv(outcomes, args.csv)
    written = [f"grades: {args.csv}", f"feedback: {args.feedback}/"]
    if args.json:
        write_json(outcomes, args.json)
        written.append(f"json: {args.json}")
    failed = sum(1 for o in outcomes if o.error)
    print(f"{len(outcomes)} graded, {failed} with errors; " + ", ".join(written))
    return 0


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="netcourse",
        description="Sockets to Coroutines: open the course, check this machine, "
        "release and grade.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    course_option = _Parser(add_help=False)
    course_option.add_argument(
        "--course",
        type=Path,
        metavar="DIR",
        help="the course folder (default: found from the working directory upwards)",
    )

    doctor = commands.add_parser(
        "doctor",
        help="check that this machine can run the course",
        description="Check Python, the packages, loopback networking and the limits "
        "the course relies on.",
    )
    doctor.set_defaults(func=_doctor)

    lab = commands.add_parser(
        "lab",
        parents=[course_option],
        help="open the course in JupyterLab",
        description="Start JupyterLab on the course, opened at notebooks/. "
        "Options it does not know are passed to JupyterLab, e.g. --ServerApp.token=SECRET.",
    )
    lab.add_argument("--port", type=int, help="port to serve on (default: JupyterLab's, 8888)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(func=_lab, passes_extra=True)

    release = commands.add_parser(
        "release",
        parents=[course_option],
        help="regenerate notebooks/ from solutions/ (instructors)",
        description="Run nbgrader generate_assignment on solutions/ and update notebooks/.",
    )
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    release.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name every released file that is out of date",
    )
    release.set_defaults(func=_release)

    grade = commands.add_parser(
        "grade",
        parents=[course_option],
        help="grade a folder of submissions (instructors)",
        description="Grade SUBMISSIONS/<student>/<assignment>/<notebook>.ipynb (or "
        "SUBMISSIONS/<student>.zip) with nbgrader autograde in scratch space; "
        "SUBMISSIONS is never modified.",
    )
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
        type=_positive_float,
        default=600.0,
        metavar="SECONDS",
        help="wall-clock limit for one student's assignment (default: %(default)s)",
    )
    grade.add_argument(
        "--cell-timeout",
        type=_positive_float,
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
        "--keep-scratch",
        action="store_true",
        help="keep the scratch course (nbgrader's folders and logs) for inspection",
    )
    grade.set_defaults(func=_grade)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passes_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args, extra)
    except UsageError as exc:
        print(f"netcourse: error: {exc}", file=sys.stderr)
        return 2
    except NbgraderError as exc:
        print(f"netcourse: nbgrader failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("netcourse: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
