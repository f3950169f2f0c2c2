"""Every server of the course under one load generator, side by side (07, ``netcourse bench``).

The method is MagicStack's vmbench's: the same client for every server
(``nc.load``), a warm-up before each measurement, fixed durations, several
message sizes, percentiles, and each measurement repeated with the best kept
(the servers take turns, so a busy moment of the machine hits one repetition,
not one server). Each server runs in a process of its own
(:mod:`netcourse.tools.hosting`), so the load generator never shares its
interpreter, and its CPU time is the server's alone.

    result = nc.bench.compare(clients=(1, 10, 100), sizes=(64,), duration=0.5)
    result.table()              # ratios against asyncio streams
    result.plot()

A server is a :class:`Contender`: a name, an importable function
(``module:function``) and its kind; adding one is one line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import load
from .contenders import uvloop_installed
from .hosting import hosted, raise_open_file_limit

__all__ = ["BASELINE", "COURSE", "Comparison", "Contender", "Row", "compare", "course"]

WARM_UP = 0.2  # seconds of load before each server's measurements, not counted
WARM_UP_CLIENTS = 4
PATIENCE = 1.0  # a client that waits this long for an echo is given up on


@dataclass(frozen=True)
class Contender:
    """One server to measure: ``spec`` is ``module:function``; pools get ``workers``;
    ``options`` are keyword arguments for the function."""

    name: str
    spec: str
    kind: str
    workers: int | None = None
    options: dict[str, Any] = field(default_factory=dict, hash=False)


BASELINE = "asyncio streams (06)"
COURSE = [
    Contender("blocking (02)", "netcourse.tools.contenders:serve_blocking", "sequential"),
    Contender("selectors reactor (03)", "netcourse.tools.reactor:serve_echo", "selectors"),
    Contender("thread per connection (04)", "netcourse.tools.echo_threads:serve", "threads"),
    Contender(
        "thread pool of 16 (05)",
        "netcourse.tools.contenders:serve_thread_pool",
        "thread-pool",
        workers=16,
    ),
    Contender(
        "2 processes x 8 threads (05)",
        "netcourse.tools.echo_pools:serve_processes",
        "process-pool",
        workers=2,
        options={"threads": 8},
    ),
    Contender("generator tasks (06)", "netcourse.tools.scheduler:serve", "selectors"),
    Contender("gevent (06)", "netcourse.tools.coroutine_servers:serve_gevent", "gevent"),
    Contender(BASELINE, "netcourse.tools.coroutine_servers:serve_asyncio", "asyncio"),
]
UVLOOP = Contender("asyncio on uvloop", "netcourse.tools.contenders:serve_uvloop", "threads")


def course() -> list[Contender]:
    """The course's servers, and asyncio on uvloop where uvloop is installed."""
    return [*COURSE, UVLOOP] if uvloop_installed() else list(COURSE)


@dataclass
class Row:
    """One server at one load: the best of the repetitions (by round trips per second)."""

    server: str
    clients: int
    size: int
    throughput: float  # round trips per second
    p50_ms: float
    p99_ms: float
    slowest_ms: float  # the slowest round trip that came back
    starved: int  # clients that got no echo at all within the window
    server_cpu_us: float  # the server's CPU time per round trip, microseconds
    generator_cpu: float  # the load generator's CPU time over the window's length (1 = a core)
    errors: int

    @classmethod
    def of(cls, server: str, result: load.LoadResult, cpu_seconds: float, window: float) -> Row:
        trips = result.messages
        return cls(
            server=server,
            clients=result.clients,
            size=result.size,
            throughput=result.throughput,
            p50_ms=result.p50 * 1000,
            p99_ms=result.p99 * 1000,
            slowest_ms=max(result.latencies, default=math.nan) * 1000,
            starved=result.clients - sum(t <= window for t in result.first_echoes),
            server_cpu_us=cpu_seconds / trips * 1e6 if trips else math.nan,
            generator_cpu=result.cpu_seconds / result.seconds if result.seconds else math.nan,
            errors=result.errors,
        )


@dataclass
class Comparison:
    """The rows of one comparison, and how it was run."""

    rows: list[Row]
    settings: dict[str, Any]
    missing: dict[str, str] = field(default_factory=dict)  # server -> why it did not run

    def servers(self) -> list[str]:
        return list(dict.fromkeys(r.server for r in self.rows))

    def row(self, server: str, clients: int, size: int) -> Row | None:
        return next(
            (r for r in self.rows if (r.server, r.clients, r.size) == (server, clients, size)),
            None,
        )

    def ratios(self, baseline: str = BASELINE) -> list[dict[str, Any]]:
        """Each server's throughput and p99 over the baseline's at the same load."""
        out = []
        for r in self.rows:
            base = self.row(baseline, r.clients, r.size)
            if base is None:
                continue
            out.append(
                {
                    "server": r.server,
                    "clients": r.clients,
                    "size": r.size,
                    "throughput": _ratio(r.throughput, base.throughput),
                    "p99": _ratio(r.p99_ms, base.p99_ms),
                    "starved": r.starved,
                }
            )
        return out

    def table(self, baseline: str = BASELINE, size: int | None = None) -> str:
        """Throughput as a multiple of the baseline's, one column per number of clients."""
        size = self.settings["sizes"][0] if size is None else size
        clients = self.settings["clients"]
        width = max(len(s) for s in self.servers())
        head = f"{'x ' + baseline + f' ({size} B)':<{width}}" + "".join(
            f"{c:>10,}" for c in clients
        )
        lines = [head, "-" * len(head)]
        for server in self.servers():
            cells = []
            for c in clients:
                r, base = self.row(server, c, size), self.row(baseline, c, size)
                if r is None or base is None:
                    cells.append(f"{'-':>10}")
                    continue
                mark = "*" if r.starved else " "
                cells.append(f"{_ratio(r.throughput, base.throughput):>9.2f}{mark}")
            lines.append(f"{server:<{width}}" + "".join(cells))
        lines.append("* some clients got no echo at all in the window (see `starved`)")
        return "\n".join(lines)

    def plot(self, size: int | None = None) -> Any:
        """Throughput, p99 (solid) and slowest round trip (dotted), CPU per round trip,
        against the number of clients."""
        import matplotlib.pyplot as plt

        size = self.settings["sizes"][0] if size is None else size
        fig, (tp, lat, cpu) = plt.subplots(1, 3, figsize=(16, 4.8))
        for n, server in enumerate(self.servers()):
            rows = [r for r in self.rows if r.server == server and r.size == size]
            rows.sort(key=lambda r: r.clients)
            xs = [r.clients for r in rows]
            colour = f"C{n % 10}"
            tp.plot(xs, [r.throughput for r in rows], marker="o", color=colour, label=server)
            lat.plot(xs, [r.p99_ms for r in rows], marker="o", color=colour)
            lat.plot(xs, [r.slowest_ms for r in rows], linestyle=":", color=colour)
            starved = [r for r in rows if r.starved]
            lat.scatter(
                [r.clients for r in starved],
                [r.slowest_ms for r in starved],
                marker="x",
                s=60,
                color=colour,
            )
            cpu.plot(xs, [r.server_cpu_us for r in rows], marker="o", color=colour)
        tp.set(xscale="log", xlabel="clients", ylabel="round trips per second")
        tp.set_title(f"throughput, {size}-byte messages")
        lat.set(xscale="log", yscale="log", xlabel="clients", ylabel="ms")
        lat.set_title("p99 (solid), slowest (dotted); x: some clients starved")
        cpu.set(xscale="log", yscale="log", xlabel="clients", ylabel="server CPU µs per round trip")
        cpu.set_title("CPU per round trip")
        fig.legend(loc="lower center", ncol=5, fontsize="small", bbox_to_anchor=(0.5, -0.08))
        fig.tight_layout()
        return fig

    def to_json(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "rows": [_rounded(asdict(r)) for r in self.rows],
            "ratios": [_rounded(r) for r in self.ratios()],
            "missing": self.missing,
        }

    def write(self, json_path: Path, png_path: Path | None = None) -> None:
        json_path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        if png_path is not None:
            self.plot().savefig(png_path, dpi=110, bbox_inches="tight")


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    def one(v: Any) -> Any:
        if isinstance(v, float):
            return None if math.isnan(v) else round(v, 3)
        return v

    return {k: one(v) for k, v in values.items()}


def compare(
    contenders: Iterable[Contender] | None = None,
    clients: Sequence[int] = (1, 10, 100, 1000),
    sizes: Sequence[int] = (64,),
    duration: float = 1.0,
    repeats: int = 3,
    progress: bool = True,
) -> Comparison:
    """Load every contender with each number of ``clients`` and each message size.

    Each repetition starts every server afresh, in turn, warms it up, and runs
    each load for ``duration`` seconds; a row keeps the repetition with the
    most round trips per second. A server whose process does not start is
    listed in ``missing`` with the reason.
    """
    contenders = course() if contenders is None else list(contenders)
    raise_open_file_limit()  # 1,000 clients need 1,000 sockets here (the host raises its own)
    loads = [(c, s) for s in sizes for c in clients]
    bar = _bar(repeats * len(contenders) * len(loads), progress)
    best: dict[tuple[str, int, int], Row] = {}
    missing: dict[str, str] = {}
    try:
        for _ in range(repeats):
            for contender in contenders:
                if contender.name in missing:
                    continue
                try:
                    _measure(contender, loads, duration, best, bar)
                except Exception as exc:
                    missing[contender.name] = f"{type(exc).__name__}: {exc}"
                    if bar is not None:
                        bar.update(len(loads))
    finally:
        if bar is not None:
            bar.close()
    order = {c.name: n for n, c in enumerate(contenders)}
    rows = sorted(best.values(), key=lambda r: (order[r.server], r.size, r.clients))
    settings = {
        "clients": list(clients),
        "sizes": list(sizes),
        "duration": duration,
        "repeats": repeats,
        "warm_up": WARM_UP,
        "baseline": BASELINE,
    }
    return Comparison(rows, settings, missing)


def _measure(
    contender: Contender,
    loads: list[tuple[int, int]],
    duration: float,
    best: dict[tuple[str, int, int], Row],
    bar: Any,
) -> None:
    with hosted(contender.spec, contender.kind, contender.workers, contender.options) as host:
        load.run(host.address, WARM_UP_CLIENTS, 64, WARM_UP, progress=False, timeout=PATIENCE)
        for clients, size in loads:
            before = host.usage().cpu_seconds
            result = load.run(
                host.address, clients, size, duration, progress=False, timeout=PATIENCE
            )
            row = Row.of(contender.name, result, host.usage().cpu_seconds - before, duration)
            key = (contender.name, clients, size)
            if key not in best or row.throughput > best[key].throughput:
                best[key] = row
            if bar is not None:
                bar.set_postfix_str(f"{contender.name}, {clients} clients", refresh=False)
                bar.update()


def _bar(total: int, wanted: bool) -> Any:
    if not wanted:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="servers x loads", leave=False)
