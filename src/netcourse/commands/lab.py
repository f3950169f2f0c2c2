"""``netcourse lab``: open the course, or a folder of notebooks, in JupyterLab."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import add_course_option


def register(commands: argparse._SubParsersAction) -> None:
    lab = commands.add_parser(
        "lab",
        help="open the course, or a folder of notebooks, in JupyterLab",
        description="Start JupyterLab on the course FOLDER lies in (opened at notebooks/), "
        "or else on the notebooks in FOLDER, e.g. an unpacked assignment (default: the "
        "working directory). Options it does not know are passed to JupyterLab, e.g. "
        "--ServerApp.token=SECRET.",
    )
    lab.add_argument(
        "folder",
        nargs="?",
        type=Path,
        metavar="FOLDER",
        help="a course or a folder of notebooks (default: the working directory)",
    )
    add_course_option(lab)
    lab.add_argument("--port", type=int, help="port to serve on (default: JupyterLab's, 8888)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(func=_lab, passes_extra=True)


def _lab(args: argparse.Namespace, extra: list[str]) -> int:
    from ..course.lab import course_lab, lab_for, run_lab
    from ..course.paths import find_course

    if args.course:
        lab = course_lab(find_course(args.course))
    else:
        lab = lab_for(args.folder or Path.cwd())
    return run_lab(lab, args.port, not args.no_browser, extra)
