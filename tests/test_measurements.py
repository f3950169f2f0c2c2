"""The experiments behind the live measurements of notebooks 02, 04 and 05: shapes, not speeds."""

from __future__ import annotations

import itertools
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from netcourse.checks import NotAttempted
from netcourse.tools import costs, nagle, serving, switching, timewait, workloads

from .echo_servers import REFERENCES

LINUX = sys.platform.startswith("linux")


def closed_client_first() -> int:
    """A connection over loopback that the client closed first; the server's port."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        conn, _ = listener.accept()
        client.close()
        time.sleep(0.05)
        conn.close()
        return listener.getsockname()[1]


def test_this_system_says_how_long_time_wait_lasts_and_where():
    found = timewait.setting()
    if found is None:
        pytest.skip(f"the course does not know {sys.platform}'s TIME_WAIT")
    assert 1 <= found.seconds <= 300 and found.where
    if LINUX:
        assert found.seconds == timewait.LINUX_TIME_WAIT and "TCP_TIMEWAIT_LEN" in found.where


@pytest.mark.skipif(not LINUX, reason="only Linux shows the kernel's TIME_WAIT timer")
def test_linux_shows_the_time_a_time_wait_socket_has_left():
    port = closed_client_first()
    deadline = time.monotonic() + 2
    while not (left := timewait.remaining(port)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(left) == 1 and 0 < left[0] <= timewait.LINUX_TIME_WAIT
    assert timewait.reuse() in timewait.TW_REUSE


def test_a_port_with_no_time_wait_socket_has_no_time_left():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        assert timewait.remaining(port) in ([], None)


def test_the_port_budget_is_ports_over_seconds():
    budget = timewait.PortBudget(ports=28232, seconds=60.0)
    assert round(budget.per_second) == 471
    found = timewait.port_budget()
    if found is not None:
        assert found.ports > 1000 and found.per_second == found.ports / found.seconds


def test_watching_time_wait_gives_up_at_its_limit():
    port = closed_client_first()
    assert timewait.watch(port, limit=0.3, poll=0.1) is None


def test_the_nagle_experiment_times_every_round_trip():
    for options in ({}, {"nodelay": True}, {"writes": 1}):
        times = nagle.round_trips(count=3, **options)
        assert len(times) == 3 and all(t > 0 for t in times)


def test_what_threads_and_processes_cost_is_measured_per_item():
    assert costs.thread_start(count=5) > 0 and costs.pool_task(count=5) > 0
    memory = costs.thread_memory(count=20)
    assert memory.threads == 20 and memory.virtual > 0
    assert costs.pickling(bytes(1000)) > 0
    with ThreadPoolExecutor(1) as pool:
        assert costs.handing_over(pool, b"abc") > 0


@pytest.mark.slow
def test_process_starts_are_timed_for_every_start_method_in_a_fresh_interpreter():
    import multiprocessing

    found = costs.process_starts(rounds=2)
    assert set(found) == set(multiprocessing.get_all_start_methods())
    assert all(len(times) == 2 and all(t > 0 for t in times) for times in found.values())


def test_the_switch_interval_experiment_puts_the_old_interval_back():
    before = sys.getswitchinterval()
    run = switching.run(seconds=0.05, interval=0.002)
    assert sys.getswitchinterval() == before and run.interval == 0.002
    assert run.slices, "two spinning threads never changed hands"
    assert all(end >= start for _, start, end in run.slices)
    assert {who for who, _, _ in run.slices} == {0, 1}
    assert all(a[0] != b[0] for a, b in itertools.pairwise(run.slices))


def test_a_switch_interval_set_for_a_block_is_put_back_even_when_the_block_fails():
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), switching.switch_interval(0.0007) as asked:
        assert sys.getswitchinterval() == asked == pytest.approx(0.0007)
        raise RuntimeError("the block fails")
    assert sys.getswitchinterval() == before


def test_the_best_switching_run_is_one_of_its_rounds_with_the_interval_asked_for():
    before = sys.getswitchinterval()
    best = switching.best_run(interval=0.002, rounds=2, seconds=0.03)
    assert sys.getswitchinterval() == before and best.interval == 0.002
    assert all(length >= 0 for length in best.lengths)


def test_an_initializer_runs_in_each_worker_before_its_tasks():
    with ThreadPoolExecutor(1, initializer=workloads.open_worker, initargs=("w",)) as pool:
        results = list(pool.map(workloads.whose_task, [0, 0, 0]))
    assert [count for _, count in results] == [1, 2, 3]
    assert all(worker.startswith("w, process") for worker, _ in results)


def test_the_process_context_never_forks():
    assert workloads.process_context().get_start_method() in ("forkserver", "spawn")


@pytest.mark.parametrize(("name", "waits"), [("sequential", True), ("selectors", False)])
def test_stopping_with_an_idle_client_shows_whether_the_server_waits_for_it(name, waits):
    serve, kind = REFERENCES[name]
    times = serving.stop_with_idle_client(serve, kind, stay=0.3)
    assert times.returned is not None
    assert (times.returned >= times.client_left) is waits


def test_stopping_a_stub_with_an_idle_client_says_not_attempted():
    def serve(listener, stop):
        raise NotImplementedError()

    with pytest.raises(NotAttempted):
        serving.stop_with_idle_client(serve, stay=0.1)
