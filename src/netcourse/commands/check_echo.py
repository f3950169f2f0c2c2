"""``netcourse check-echo``: the echo-server checks, on any server listening at an address."""

from __future__ import annotations

import argparse

from ..errors import UsageError
from .options import add_json_option, finish_report, positive


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as a socket address."""
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"expected HOST:PORT, such as 127.0.0.1:8000, not {text!r}")
    return host, int(port)


def register(commands: argparse._SubParsersAction) -> None:
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
        type=positive(int),
        default=100,
        metavar="N",
        help="connections the concurrent check holds at once (default: %(default)s)",
    )
    check.add_argument(
        "--pid", type=int, metavar="PID", help="the server's process id: enables idle-cpu, leaks"
    )
    add_json_option(check)
    check.set_defaults(func=_check_echo)


def _check_echo(args: argparse.Namespace, extra: list[str]) -> int:
    from ..checks.echo import check_address

    host, port = parse_address(args.address)
    if args.pid is not None:
        import psutil

        if not psutil.pid_exists(args.pid):
            raise UsageError(f"no process with id {args.pid}")
    report = check_address(
        host, port, concurrent=args.concurrent, clients=args.clients, pid=args.pid
    )
    return finish_report(report, args.json)
