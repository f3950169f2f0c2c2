"""Notebook 07's tools, leanly: hosting a server in its own process, the comparison, the idle
connections, the fib server and its probe. No wall time is asserted: only what ran and counted."""

from __future__ import annotations

import json
import socket

import pytest

from netcourse.checks import PASSED
from netcourse.checks.echo import check_server
from netcourse.tools import bench, c10k, compute, contenders, hosting, load

REACTOR = bench.Contender("reactor", "netcourse.tools.reactor:serve_echo", "selectors")
ASYNCIO = next(c for c in bench.COURSE if c.name == bench.BASELINE)
THREADS = next(c for c in bench.COURSE if c.kind == "threads")


def test_a_hosted_server_answers_and_is_measured_from_outside():
    with hosting.hosted(REACTOR.spec, REACTOR.kind) as host:
        result = load.run(host.address, clients=2, count=50, progress=False)
        usage = host.usage()
        assert host.running
    assert result.messages == 50 and not result.errors
    assert usage.processes == 1 and usage.threads >= 2 and usage.memory > 0
    assert not host.running


def test_a_server_that_cannot_be_imported_is_a_host_failure():
    with (
        pytest.raises(hosting.HostFailed, match="did not start"),
        hosting.hosted("netcourse.tools.contenders:no_such_server", "threads"),
    ):
        pass


def test_the_comparison_gives_rows_ratios_and_a_table():
    broken = bench.Contender("broken", "netcourse.tools.contenders:no_such_server", "threads")
    result = bench.compare(
        [REACTOR, ASYNCIO, broken], clients=(1, 4), duration=0.2, repeats=1, progress=False
    )
    assert {(r.server, r.clients) for r in result.rows} == {
        (s, c) for s in ("reactor", bench.BASELINE) for c in (1, 4)
    }
    assert all(r.throughput > 0 and r.server_cpu_us > 0 for r in result.rows)
    assert "did not start" in result.missing["broken"]
    base = [r for r in result.ratios() if r["server"] == bench.BASELINE]
    assert [r["throughput"] for r in base] == [1.0, 1.0]
    assert "reactor" in result.table() and "1.00" in result.table()
    assert set(result.to_json()) == {"settings", "rows", "ratios", "missing"}


@pytest.mark.parametrize("contender", [ASYNCIO, THREADS], ids=["asyncio", "threads"])
def test_idle_connections_are_held_and_counted(contender):
    holding = c10k.hold(contender, connections=300)
    assert holding.held == 300 and not holding.stopped, str(holding)
    memory, _ = holding.per_connection()
    assert memory == memory  # measured, not NaN
    threads = holding.samples[-1].threads
    assert threads > 300 if contender is THREADS else threads < 10


def test_a_server_that_serves_one_client_at_a_time_stops_at_the_second():
    blocking = next(c for c in bench.COURSE if c.kind == "sequential")
    holding = c10k.hold(blocking, connections=300)
    assert holding.held < 300 and "got an echo" in holding.stopped, str(holding)


def test_the_fib_protocol():
    assert [compute.fib(n) for n in range(8)] == [0, 1, 1, 2, 3, 5, 8, 13]
    assert compute.fib_request(b"fib 12\n") == 12
    assert compute.fib_request(b"fib twelve") is None
    assert compute.fib_request(b"hello") is None


@pytest.mark.parametrize("spec", ["serve_on_loop", "serve_offloaded"])
def test_the_fib_servers_answer_in_order_and_the_probe_records_what_it_saw(spec):
    kind, workers = ("process-pool", 1) if spec == "serve_offloaded" else ("selectors", None)
    with hosting.hosted(f"netcourse.tools.compute:{spec}", kind, workers) as host:
        with socket.create_connection(host.address, timeout=30) as sock, sock.makefile("rb") as f:
            sock.sendall(b"fib 20\nhello\nfib 3\n")
            assert [f.readline() for _ in range(3)] == [b"6765\n", b"hello\n", b"2\n"]
        seen = compute.probe(host.address, fib_n=18, requests=2, seconds=0.6)
    assert not seen.errors and len(seen.spans) == 2 and seen.echoes, str(seen)
    assert "slowest echo while fib ran" in str(seen)


@pytest.mark.parametrize(
    ("serve", "kind", "workers"),
    [
        (contenders.serve_blocking, "sequential", None),
        (contenders.serve_thread_pool, "thread-pool", 4),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_the_contenders_are_echo_servers(serve, kind, workers):
    report = check_server(serve, kind, only=["short", "large", "stop"], workers=workers)
    assert all(r.status == PASSED for r in report.results), str(report)


def test_netcourse_bench_writes_a_json_and_a_png(tmp_path, monkeypatch, capsys):
    from netcourse.commands import main

    monkeypatch.setattr(bench, "course", lambda: [REACTOR, ASYNCIO])
    json_path, png_path = tmp_path / "bench.json", tmp_path / "bench.png"
    argv = ["bench", "--clients", "1", "2", "--duration", "0.1", "--repeats", "1"]
    assert main([*argv, "--json", str(json_path), "--png", str(png_path)]) == 0
    assert "reactor" in capsys.readouterr().out
    assert png_path.stat().st_size > 0
    assert {r["server"] for r in json.loads(json_path.read_text())["rows"]} == {
        "reactor",
        bench.BASELINE,
    }
