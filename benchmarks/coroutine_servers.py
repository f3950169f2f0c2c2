"""Notebook 06's echo servers side by side, under one load generator, as the notebook runs them.

    .venv/bin/python benchmarks/coroutine_servers.py [--clients 1 16 64] [--duration S] [--rounds N]

Each server (notebook 03's reactor, generator tasks on ``nc.scheduler``, gevent's
StreamServer, asyncio streams) runs in a thread of this process, as in the
notebook, and the load generator (64-byte messages, one connection per client)
runs them in alternating rounds, keeping each one's best. It prints round trips
per second, p99 latency and each server's throughput as a ratio of the
reactor's, measured side by side in this one run.
"""

from __future__ import annotations

import argparse

from netcourse.tools.coroutine_servers import compare

REFERENCE = "03's reactor (callbacks)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = compare(
        clients=tuple(args.clients), duration=args.duration, rounds=args.rounds, progress=False
    )
    reference = {r["clients"]: r["throughput"] for r in rows if r["server"] == REFERENCE}
    print(f"{'server':24} {'clients':>7} {'round trips/s':>14} {'p99 ms':>8} {'x reactor':>10}")
    for row in rows:
        ratio = row["throughput"] / reference[row["clients"]]
        print(
            f"{row['server']:24} {row['clients']:7} {row['throughput']:14,} "
            f"{row['p99_ms']:8.2f} {ratio:10.2f}"
        )


if __name__ == "__main__":
    main()
