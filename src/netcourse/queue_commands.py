"""``netcourse check-queue`` and ``netcourse check-pool``: the notebook 05 checkers on any class."""

from __future__ import annotations

import argparse
from pathlib import Path

_TARGET_HELP = "the class to check: module:Name or path/to/file.py:Name"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the check-queue and check-pool sub-commands."""
    for name, what, example in [
        ("check-queue", "a bounded blocking queue with queue.Queue's interface", "queue:Queue"),
        (
            "check-pool",
            "a worker pool with concurrent.futures.Executor's interface",
            "concurrent.futures:ThreadPoolExecutor",
        ),
    ]:
        command = commands.add_parser(
            name,
            help=f"check {what}",
            description=f"Run the notebook 05 checks on {what}, one line per check; exit 0 "
            f"only when every check that ran passed. Example: netcourse {name} {example}",
        )
        command.add_argument("target", metavar="TARGET", help=_TARGET_HELP)
        command.add_argument(
            "--json", type=Path, metavar="FILE", help="also write the results as JSON"
        )
        command.set_defaults(func=_check, checker=name)


def _check(args: argparse.Namespace, extra: list[str]) -> int:
    from .checks import pools, queues
    from .targets import load_target

    target = load_target(args.target)
    run = queues.check_queue if args.checker == "check-queue" else pools.check_pool
    report = run(target)
    print(report)
    if args.json:
        report.write_json(args.json)
    return 0 if report.passed else 1
