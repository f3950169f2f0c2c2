"""``netcourse release``: regenerate notebooks/ from solutions/, or check that it is in sync."""

from __future__ import annotations

import argparse
import sys

from .options import add_course_option, course_of


def register(commands: argparse._SubParsersAction) -> None:
    release = commands.add_parser(
        "release",
        help="regenerate notebooks/ from solutions/ (instructors)",
        description="Run nbgrader generate_assignment on solutions/ and update notebooks/.",
    )
    add_course_option(release)
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: all")
    release.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name every released file that is out of date",
    )
    release.set_defaults(func=_release)


def _release(args: argparse.Namespace, extra: list[str]) -> int:
    from ..course.release import release

    course = course_of(args)
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
