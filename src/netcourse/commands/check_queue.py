"""``netcourse check-queue``: notebook 05's queue checks on any class like ``queue.Queue``."""

from __future__ import annotations

import argparse

from .options import add_json_option, finish_report

TARGET_HELP = "the class to check: module:Name or path/to/file.py:Name"


def register(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "check-queue",
        help="check a bounded blocking queue with queue.Queue's interface",
        description="Run the notebook 05 checks on a bounded blocking queue with "
        "queue.Queue's interface, one line per check; exit 0 only when every check that ran "
        "passed. Example: netcourse check-queue queue:Queue",
    )
    command.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    add_json_option(command)
    command.set_defaults(func=_check_queue)


def _check_queue(args: argparse.Namespace, extra: list[str]) -> int:
    from ..checks.queues import check_queue
    from .targets import load_target

    return finish_report(check_queue(load_target(args.target)), args.json)
