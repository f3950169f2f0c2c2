"""Is the load generator the bottleneck? One generator against two, on a fast server.

    .venv/bin/python benchmarks/load_generator.py [--clients C] [--duration S]

For each server (a reference echo server in a process of its own) it runs
one ``netcourse load`` process with C clients, then two side by side with C/2
clients each, and prints round trips per second and the CPU share each
process used. If two generators together get no more than one does, and the
server is the process near 100% of a CPU, the server is the limit, not the
generator. It also prints the generator's CPU time per round trip.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SERVERS = ("selectors", "asyncio", "threads")


def start_server(name: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.echo_servers", name],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, int(process.stdout.readline())


def generators(port: int, clients: list[int], duration: float, folder: Path) -> list[dict]:
    """Run one generator process per entry of ``clients`` side by side; their numbers."""
    runs = []
    for i, count in enumerate(clients):
        out = folder / f"load-{i}.json"
        command = [sys.executable, "-m", "netcourse", "load", f"127.0.0.1:{port}"]
        command += ["-c", str(count), "--duration", str(duration), "--no-progress"]
        process = subprocess.Popen([*command, "--json", str(out)], stdout=subprocess.DEVNULL)
        runs.append((process, out))
    for process, _ in runs:
        process.wait()
    return [json.loads(out.read_text()) for _, out in runs]


def measure(name: str, clients: int, duration: float) -> None:
    server, port = start_server(name)
    watched = psutil.Process(server.pid)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for layout in ([clients], [clients // 2, clients - clients // 2]):
                before = sum(watched.cpu_times()[:2])
                runs = generators(port, layout, duration, Path(tmp))
                server_cpu = sum(watched.cpu_times()[:2]) - before
                total = sum(r["throughput"] for r in runs)
                gen_cpu = [r["generator_cpu_seconds"] / r["seconds"] for r in runs]
                per_trip = sum(r["generator_cpu_seconds"] for r in runs) / max(
                    1, sum(r["messages"] for r in runs)
                )
                p99 = max(r["latency_ms"]["p99"] for r in runs)
                print(
                    f"{name:<10} {len(layout)} generator(s) x {'+'.join(map(str, layout)):>7} "
                    f"clients: {total:>9,.0f} round trips/s  p99 {p99:6.2f} ms  "
                    f"server CPU {server_cpu / duration:4.0%}  generator CPU "
                    + " + ".join(f"{c:.0%}" for c in gen_cpu)
                    + f"  ({per_trip * 1e6:.1f} us of generator CPU per round trip)"
                )
    finally:
        server.stdin.close()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    print(f"{psutil.cpu_count()} CPUs, load average {psutil.getloadavg()[0]:.1f}")
    for name in SERVERS:
        measure(name, args.clients, args.duration)


if __name__ == "__main__":
    main()
