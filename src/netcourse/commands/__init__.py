"""The ``netcourse`` command: one entry point for students and instructors.

Each subcommand lives in a module of this folder with a ``register(commands)``
function that adds its sub-parser and sets ``func(args, extra) -> int``;
heavy imports happen inside the handler, so ``netcourse --help`` is quick.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import UsageError

COMMAND_MODULES = [
    "doctor", "lab", "release", "kit", "site", "grade", "check_echo", "load", "bench",
    "check_queue", "check_pool",
]  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, as every netcourse error is."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="netcourse",
        description="Sockets to Coroutines: open the course, check this machine, "
        "release and grade.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{module}").register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passes_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from ..course.nbgrader import NbgraderError

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
