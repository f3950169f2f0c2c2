"""``netcourse load``: throughput and latency of any echo server at an address."""

from __future__ import annotations

import argparse
import json
import sys

from .check_echo import parse_address
from .options import add_json_option, positive


def register(commands: argparse._SubParsersAction) -> None:
    load = commands.add_parser(
        "load",
        help="load an echo server at HOST:PORT and measure throughput and latency",
        description="C clients each send a message, wait for its echo, and send the next; "
        "prints round trips per second over the measured window, the latency from send to "
        "echo (p50, p90, p99), and the clients that never got a connection or an answer. "
        "Exit status 0 only if every client got answers and none failed.",
    )
    load.add_argument("address", metavar="HOST:PORT")
    load.add_argument(
        "--clients", "-c", type=positive(int), default=1, metavar="C", help="default: %(default)s"
    )
    load.add_argument(
        "--size", type=positive(int), default=64, metavar="BYTES", help="default: %(default)s"
    )
    how_long = load.add_mutually_exclusive_group()
    how_long.add_argument(
        "--duration",
        type=positive(float),
        default=2.0,
        metavar="SECONDS",
        help="default: %(default)s",
    )
    how_long.add_argument(
        "--count", type=positive(int), metavar="N", help="stop after N round trips in all"
    )
    load.add_argument("--reconnect", action="store_true", help="a new connection for every message")
    load.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_option(load, "the numbers")
    load.set_defaults(func=_load)


def _load(args: argparse.Namespace, extra: list[str]) -> int:
    from ..tools.load import run

    result = run(
        parse_address(args.address),
        clients=args.clients,
        size=args.size,
        duration=None if args.count else args.duration,
        count=args.count,
        reconnect=args.reconnect,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    print(result)
    if args.json:
        args.json.write_text(json.dumps(result.summary(), indent=2) + "\n", encoding="utf-8")
    served = result.messages and not (result.errors or result.unconnected or result.unanswered)
    return 0 if served else 1
