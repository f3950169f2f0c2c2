"""``netcourse lab``: open the course in JupyterLab."""

from __future__ import annotations

import argparse

from .options import add_course_option, course_of


def register(commands: argparse._SubParsersAction) -> None:
    lab = commands.add_parser(
        "lab",
        help="open the course in JupyterLab",
        description="Start JupyterLab on the course, opened at notebooks/. "
        "Options it does not know are passed to JupyterLab, e.g. --ServerApp.token=SECRET.",
    )
    add_course_option(lab)
    lab.add_argument("--port", type=int, help="port to serve on (default: JupyterLab's, 8888)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(func=_lab, passes_extra=True)


def _lab(args: argparse.Namespace, extra: list[str]) -> int:
    from ..course.lab import run_lab

    return run_lab(course_of(args), args.port, not args.no_browser, extra)
