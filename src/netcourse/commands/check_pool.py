"""``netcourse check-pool``: notebook 05's pool checks on any class like an ``Executor``."""

from __future__ import annotations

import argparse

from .check_queue import TARGET_HELP
from .options import add_json_option, finish_report


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "check-pool",
        help="check a worker pool with concurrent.futures.Executor's interface",
        description="Run the notebook 05 checks on a worker pool with "
        "concurrent.futures.Executor's interface, one line per check; exit 0 only when every "
        "check that ran passed. Example: netcourse check-pool "
        "concurrent.futures:ThreadPoolExecutor",
    )
    command.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    add_json_option(command)
    command.set_defaults(func=_check_pool)


def _check_pool(args: argparse.Namespace, extra: list[str]) -> int:
    from ..checks.pools import check_pool
    from .targets import load_target

    return finish_report(check_pool(load_target(args.target)), args.json)
