"""What every subcommand shares: argument types, the course option, and how a report ends."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..checks import Report
    from ..course.paths import Course


def positive(kind: type[int] | type[float]):
    """An argparse type: a number of ``kind`` greater than zero, or a one-line error."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if value <= 0:
            what = "a whole number of at least 1" if kind is int else "positive"
            raise argparse.ArgumentTypeError(f"must be {what}, not {text}")
        return value

    return parse


def add_course_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--course",
        type=Path,
        metavar="DIR",
        help="the course folder (default: found from the working directory upwards)",
    )


def course_of(args: argparse.Namespace) -> Course:
    """The course named by ``--course``, or the one found from the working directory."""
    from ..course.paths import find_course

    return find_course(args.course) if args.course else find_course()


def add_json_option(parser: argparse.ArgumentParser, what: str = "the results") -> None:
    parser.add_argument("--json", type=Path, metavar="FILE", help=f"also write {what} as JSON")


def finish_report(report: Report, json_path: Path | None) -> int:
    """Print a check report, write it as JSON if asked; exit 0 only when every check passed."""
    print(report)
    if json_path:
        report.write_json(json_path)
    return 0 if report.passed else 1
