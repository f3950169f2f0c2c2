"""``netcourse bench``: every server of the course under one load, outside a notebook."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import positive


def register(commands: argparse._SubParsersAction) -> None:
    bench = commands.add_parser(
        "bench",
        help="run every server of the course under one load generator; write JSON and a PNG",
        description="Each server runs in a process of its own and is loaded by the same client "
        "with each number of clients in turn; prints round trips per second as ratios against "
        "asyncio streams and writes every number (JSON) and the plots (PNG).",
    )
    bench.add_argument(
        "--clients",
        type=positive(int),
        nargs="+",
        default=[1, 10, 100, 1000],
        metavar="C",
        help="numbers of clients (default: %(default)s)",
    )
    bench.add_argument(
        "--sizes",
        type=positive(int),
        nargs="+",
        default=[64],
        metavar="BYTES",
        help="message sizes (default: %(default)s)",
    )
    bench.add_argument(
        "--duration", type=positive(float), default=1.0, metavar="SECONDS",
        help="seconds per load (default: %(default)s)",
    )  # fmt: skip
    bench.add_argument(
        "--repeats", type=positive(int), default=3, metavar="N",
        help="repetitions, the best kept (default: %(default)s)",
    )  # fmt: skip
    bench.add_argument("--json", type=Path, default=Path("bench.json"), metavar="FILE")
    bench.add_argument("--png", type=Path, default=Path("bench.png"), metavar="FILE")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.set_defaults(func=_bench)


def _bench(args: argparse.Namespace, extra: list[str]) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ..tools.bench import compare

    result = compare(
        clients=args.clients,
        sizes=args.sizes,
        duration=args.duration,
        repeats=args.repeats,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    for size in args.sizes:
        print(result.table(size=size))
    for server, why in result.missing.items():
        print(f"{server} did not run: {why}")
    result.write(args.json, args.png)
    print(f"wrote {args.json} and {args.png}")
    return 0 if result.rows and not result.missing else 1
