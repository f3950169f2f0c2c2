"""``netcourse kit``: the student kit, a wheel of netcourse and a zip per assignment."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import add_course_option, course_of


def register(commands: argparse._SubParsersAction) -> None:
    kit = commands.add_parser(
        "kit",
        help="write the student kit: a wheel and a zip per assignment (instructors)",
        description="Write DIST/netcourse-*.whl and DIST/<assignment>.zip for each assignment "
        "of notebooks/. A student installs the wheel with pip, unzips an assignment and "
        "runs `netcourse lab` in its folder.",
    )
    add_course_option(kit)
    kit.add_argument(
        "--dist", type=Path, metavar="DIR", help="where to write it (default: the course's dist/)"
    )
    kit.set_defaults(func=_kit)


def _kit(args: argparse.Namespace, extra: list[str]) -> int:
    from ..course.kit import build_kit

    course = course_of(args)
    for path in build_kit(course, (args.dist or course.root / "dist").resolve()):
        print(f"kit: {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0
