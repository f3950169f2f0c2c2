"""``netcourse check-echo`` and ``netcourse load``: for any echo server at an address."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import UsageError


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as a socket address."""
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"expected HOST:PORT, such as 127.0.0.1:8000, not {text!r}")
    return host, int(port)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text}")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def _check_echo(args: argparse.Namespace, extra: list[str]) -> int:
    from .checks.echo import check_address

    host, port = parse_address(args.address)
    if args.pid is not None:
        import psutil

        if not psutil.pid_exists(args.pid):
            raise UsageError(f"no process with id {args.pid}")
    report = check_address(
        host, port, concurrent=args.concurrent, clients=args.clients, pid=args.pid
    )
    print(report)
    if args.json:
        report.write_json(args.json)
    return 0 if report.passed else 1


def _load(args: argparse.Namespace, extra: list[str]) -> int:
    from .load import run

    address = parse_address(args.address)
    result = run(
        address,
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
    return 0 if result.messages and not result.errors else 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``check-echo`` and ``load`` to the netcourse command."""
    check = commands.add_parser(
        "check-echo",
        help="check an echo server listening at HOST:PORT, in any language",
        description="Run the echo-server checks that can be observed from outside: short, "
        "binary, large, many-messages, half-close, reset; head-of-line and concurrent with "
        "--concurrent; idle-cpu and leaks with --pid. One line per check; exit status 0 only "
        "if every check that ran passed.",
    )
    check.add_argument("address", metavar="HOST:PORT")
    check.add_argument(
        "--concurrent", action="store_true", help="the server should serve clients concurrently"
    )
    check.add_argument(
        "--clients",
        type=_positive_int,
        default=100,
        metavar="N",
        help="connections the concurrent check holds at once (default: %(default)s)",
    )
    check.add_argument(
        "--pid", type=int, metavar="PID", help="the server's process id: enables idle-cpu, leaks"
    )
    check.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    check.set_defaults(func=_check_echo)

    load = commands.add_parser(
        "load",
        help="load an echo server at HOST:PORT and measure throughput and latency",
        description="C clients each send a message, wait for its echo, and send the next; "
        "prints round trips per second and the latency percentiles p50, p90 and p99.",
    )
    load.add_argument("address", metavar="HOST:PORT")
    load.add_argument(
        "--clients", "-c", type=_positive_int, default=1, metavar="C", help="default: %(default)s"
    )
    load.add_argument(
        "--size", type=_positive_int, default=64, metavar="BYTES", help="default: %(default)s"
    )
    how_long = load.add_mutually_exclusive_group()
    how_long.add_argument(
        "--duration",
        type=_positive_float,
        default=2.0,
        metavar="SECONDS",
        help="default: %(default)s",
    )
    how_long.add_argument(
        "--count", type=_positive_int, metavar="N", help="stop after N round trips in all"
    )
    load.add_argument("--reconnect", action="store_true", help="a new connection for every message")
    load.add_argument("--no-progress", action="store_true", help="no progress bar")
    load.add_argument("--json", type=Path, metavar="FILE", help="also write the numbers as JSON")
    load.set_defaults(func=_load)
