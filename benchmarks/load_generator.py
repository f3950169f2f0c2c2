"""Does `netcourse load` measure the server, or itself? It against a small C epoll client.

    .venv/bin/python benchmarks/load_generator.py [--clients C] [--duration S] [--rounds R]

For each server (a reference echo server in a process of its own) it runs
`netcourse load` and `echo_client.c` (built here with the C compiler, when
there is one, into a temporary folder) back to back, R pairs of runs, the
order swapped from one pair to the next, with the same clients, message size
and window. The two runs of a pair see the machine in the same state, so the
median of the pairs' ratios holds up on a machine loaded by other work; the
best round trips per second of each are printed too. A ratio near 1 means the
Python generator gets out of the server what a client that costs next to
nothing does: what it reports is the server's speed. The goal is 0.9 or more
on every server. Without a C compiler it says so and prints the generator's
numbers alone.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SERVERS = ("selectors", "asyncio", "threads")
SIZE = 64
GOAL = 0.9


def start_server(name: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.echo_servers", name],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, int(process.stdout.readline())


def build_c_client(folder: Path) -> Path | None:
    """The C client, compiled into ``folder``; None without a compiler (or off Linux)."""
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None or not sys.platform.startswith("linux"):
        return None
    binary = folder / "echo_client"
    source = ROOT / "benchmarks" / "echo_client.c"
    subprocess.run([compiler, "-O2", "-o", str(binary), str(source)], check=True)
    return binary


def python_load(port: int, clients: int, duration: float, folder: Path) -> dict:
    out = folder / "load.json"
    command = [sys.executable, "-m", "netcourse", "load", f"127.0.0.1:{port}", "--no-progress"]
    command += ["-c", str(clients), "--size", str(SIZE), "--duration", str(duration)]
    subprocess.run([*command, "--json", str(out)], stdout=subprocess.DEVNULL, check=False)
    return json.loads(out.read_text())


def c_load(binary: Path, port: int, clients: int, duration: float) -> dict:
    command = [str(binary), "127.0.0.1", str(port), str(clients), str(SIZE), str(duration)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def measure(name: str, binary: Path | None, args: argparse.Namespace, folder: Path) -> float:
    """Print one server's line; return the median ratio (or 0 without the C client)."""
    server, port = start_server(name)
    try:
        python, c, cpu, ratios = [], [], [], []
        for round_ in range(args.rounds):
            python_first = round_ % 2 == 0
            if python_first:
                mine = python_load(port, args.clients, args.duration, folder)
            theirs = c_load(binary, port, args.clients, args.duration) if binary else None
            if not python_first:
                mine = python_load(port, args.clients, args.duration, folder)
            python.append(mine["throughput"])
            cpu.append(mine["generator_cpu_seconds"] / mine["seconds"])
            if theirs is not None:
                c.append(theirs["throughput"])
                ratios.append(mine["throughput"] / theirs["throughput"])
    finally:
        server.stdin.close()
        server.wait(10)
    line = f"{name:<10} netcourse load {max(python):>9,.0f}/s (generator CPU {min(cpu):.0%})"
    if not c:
        print(line)
        return 0.0
    ratio = statistics.median(ratios)
    verdict = "ok" if ratio >= GOAL else f"below the goal of {GOAL}"
    print(
        f"{line}   C epoll client {max(c):>9,.0f}/s   median ratio {ratio:.2f} ({verdict}; "
        f"pairs {min(ratios):.2f} to {max(ratios):.2f})"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print(
        f"{psutil.cpu_count()} CPUs, load average {psutil.getloadavg()[0]:.1f}; "
        f"{args.clients} clients, {SIZE}-byte messages, {args.duration:g} s windows, "
        f"{args.rounds} pairs of runs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        binary = build_c_client(Path(tmp))
        if binary is None:
            print("no C compiler (or not Linux): the C client cannot be built; generator only")
        ratios = [measure(name, binary, args, Path(tmp)) for name in SERVERS]
    if binary is not None:
        print(f"lowest median ratio {min(ratios):.2f} (goal {GOAL})")


if __name__ == "__main__":
    main()
