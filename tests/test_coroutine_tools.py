"""Notebook 06's tools: the generator scheduler's server, the coroutine servers, scripts."""

from __future__ import annotations

import pytest

from netcourse.checks import PASSED
from netcourse.checks.echo import check_address, check_server
from netcourse.tools import coroutine_servers, scheduler, scripts


@pytest.mark.parametrize(
    ("serve", "kind"), coroutine_servers.SERVERS.values(), ids=list(coroutine_servers.SERVERS)
)
def test_every_server_passes_every_check_of_its_kind(serve, kind):
    report = check_server(serve, kind)
    assert report.results and all(r.status == PASSED for r in report.results), str(report)


def test_the_scheduler_returns_the_given_tasks_values_and_closes_the_spawned():
    closed = []

    def child():
        try:
            while True:
                yield
        finally:
            closed.append("child")

    def main(name):
        yield "spawn", child()
        yield "sleep", 0.01
        return name

    assert scheduler.run([main("a"), main("b")]) == ["a", "b"]
    assert closed == ["child", "child"]


def test_compare_loads_each_server_with_each_number_of_clients():
    servers = {"generator tasks": coroutine_servers.SERVERS["generator tasks"]}
    rows = coroutine_servers.compare(
        servers, clients=(1, 4), duration=0.2, rounds=1, progress=False
    )
    assert [(r["server"], r["clients"]) for r in rows] == [
        ("generator tasks", 1),
        ("generator tasks", 4),
    ]
    assert all(r["throughput"] > 0 and r["errors"] == 0 for r in rows), rows


def test_a_script_runs_in_a_process_of_its_own():
    assert scripts.run("import sys\nprint('hello', sys.argv[0])") == "hello -c"
    with pytest.raises(scripts.ScriptFailed, match="status 3"):
        scripts.run("import sys\nprint('before')\nsys.exit(3)")
    with pytest.raises(scripts.ScriptFailed, match=r"did not finish within 0\.5 s"):
        scripts.run("import time\ntime.sleep(30)", timeout=0.5)


def test_the_patched_gevent_server_passes_the_black_box_checks():
    with scripts.serving(coroutine_servers.PATCHED_GEVENT_ECHO) as server:
        report = check_address(*server.address, concurrent=True, pid=server.pid)
    assert report.passed, str(report)


def test_a_server_script_that_prints_no_port_fails_to_start():
    failing = scripts.serving("raise SystemExit('no port for you')")
    with pytest.raises(scripts.ScriptFailed, match="exited with status 1"), failing:
        pass


@pytest.mark.slow
def test_a_fresh_kernel_shows_that_patching_everything_wedges_it():
    patch, after = "from gevent import monkey\nmonkey.patch_all()", "print('next')"
    assert "never finished" in scripts.in_a_fresh_kernel(patch, after, timeout=5)
    report = scripts.in_a_fresh_kernel(patch.replace("()", "(thread=False)"), after, timeout=5)
    assert "| next" in report and "never finished" not in report, report
