"""``netcourse site``: build the course site from the student release (``make site``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import add_course_option, course_of, positive


def register(commands: argparse._SubParsersAction) -> None:
    site = commands.add_parser(
        "site",
        help="build the course site from the student release (instructors)",
        description="Run every notebook of notebooks/ one after another and build the "
        "course site from them with Sphinx (pip install -e '.[site]'); check that it holds "
        "no solution and no hidden test. The last line printed is the path of its index.html.",
    )
    add_course_option(site)
    site.add_argument(
        "--kit",
        type=Path,
        metavar="DIR",
        help="the student kit to offer for download (default: the course's dist/, "
        "written by `netcourse kit`)",
    )
    site.add_argument(
        "--out", type=Path, metavar="DIR", help="where to build (default: build/site/)"
    )
    site.add_argument(
        "--cell-timeout",
        type=positive(float),
        default=120.0,
        metavar="SECONDS",
        help="limit for one cell (default: %(default)s)",
    )
    site.add_argument(
        "--notebook-budget",
        type=positive(float),
        default=300.0,
        metavar="SECONDS",
        help="limit for all of one notebook's cells (default: %(default)s)",
    )
    site.add_argument(
        "--repository-url",
        default="",
        metavar="URL",
        help="the course's public repository (https://github.com/OWNER/REPO): adds "
        "Binder launch buttons and a repository link to the notebook pages",
    )
    site.set_defaults(func=_site)


def _site(args: argparse.Namespace, extra: list[str]) -> int:
    from ..course.site import SiteError, SiteOptions, build_site

    course = course_of(args)
    options = SiteOptions(args.cell_timeout, args.notebook_budget, args.repository_url)
    kit = (args.kit or course.root / "dist").resolve()
    out = (args.out or course.root / "build" / "site").resolve()
    try:
        index = build_site(course, kit, out, options)
    except SiteError as error:
        print(f"netcourse: site: {error}", file=sys.stderr)
        return 1
    print(index)
    return 0
