"""The tools of notebook 04: the thread-per-connection server, who ran when, the convoy
measurement, scripts, the functions sent to child processes, the GIL-releasing workloads."""

from __future__ import annotations

import threading
from concurrent.futures import ProcessPoolExecutor

import matplotlib
import pytest

from netcourse.checks.echo import check_server
from netcourse.tools import convoy, echo_threads, scripts, tasks, who_ran, workloads
from netcourse.tools.workloads import process_context

matplotlib.use("Agg")


def test_the_thread_per_connection_server_passes_every_check():
    report = check_server(echo_threads.serve, "threads")
    assert report.passed, str(report)


def test_the_server_ends_the_threads_of_clients_still_connected_when_told_to_stop():
    import socket

    from netcourse.tools import serving

    before = set(threading.enumerate())
    with serving.running(echo_threads.serve, "threads") as address:
        clients = [socket.create_connection(address, timeout=2) for _ in range(3)]
        for client in clients:
            client.sendall(b"x")
            assert client.recv(1) == b"x"
    assert all(client.recv(1) == b"" for client in clients)  # shut down by the server
    for client in clients:
        client.close()
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]


def test_timelines_of_threads_record_running_sleeping_and_late():
    cpu, io = who_ran.together(["cpu", "io"], using="threads", seconds=0.03)
    assert (cpu.name, io.name) == ("cpu thread 1", "io thread 2")
    assert cpu.running and not cpu.sleeping
    assert io.sleeping and len(io.late) == len(io.sleeping) and io.running
    assert min(cpu.start, io.start) == 0.0
    assert all(a <= b for a, b in cpu.running)
    drawn = who_ran.timeline([cpu, io])
    assert drawn.lanes == ["cpu thread 1", "io thread 2"]
    assert {s.label for s in drawn.spans} == {"running", "asleep (IO)", "ready, waiting to run"}
    drawn.draw(title="test")


@pytest.mark.slow
def test_timelines_of_processes_line_up_on_one_clock():
    lanes = who_ran.together(["cpu", "cpu"], using="processes", seconds=0.03)
    assert [lane.name for lane in lanes] == ["cpu process 1", "cpu process 2"]
    assert all(lane.running_seconds() > 0 for lane in lanes)
    assert max(lane.start for lane in lanes) < 1.0  # both began near the agreed moment


def test_a_timeline_knows_only_cpu_and_io_work():
    with pytest.raises(ValueError, match="'cpu' or 'io'"):
        who_ran.record("gpu", 0.01)
    with pytest.raises(ValueError, match="'threads' or 'processes'"):
        who_ran.together(["cpu"], using="fibers")


@pytest.mark.slow
def test_the_convoy_measurement_reports_latencies_and_the_cpu_threads_rates():
    beside = convoy.measure(0.005, cpu=True, duration=0.2)
    assert beside.echo.messages > 0 and beside.echo.errors == 0
    assert beside.quiet_rate > 0 and beside.loaded_rate > 0 and beside.cpu_share > 0
    assert "CPU thread" in str(beside)
    alone = convoy.measure(0.005, cpu=False, duration=0.2)
    assert alone.echo.messages > 0 and alone.cpu_share is None
    assert "alone" in str(alone) and "CPU thread" not in str(alone)


def test_a_program_file_is_imported_again_by_its_spawned_children():
    printed = scripts.run(
        """
        import multiprocessing

        def task(queue):
            queue.put("from the child")

        if __name__ == "__main__":
            context = multiprocessing.get_context("spawn")
            queue = context.Queue()
            child = context.Process(target=task, args=(queue,))
            child.start()
            print(queue.get(timeout=30), child.join(30), child.exitcode)
        """,
        as_file=True,
    )
    assert printed == "from the child None 0"


def test_a_global_changed_in_a_thread_is_shared_and_in_a_process_is_not():
    tasks.COUNTER = 0
    thread = threading.Thread(target=tasks.bump)
    thread.start()
    thread.join()
    assert tasks.COUNTER == 1
    with ProcessPoolExecutor(max_workers=1, mp_context=process_context()) as pool:
        assert pool.submit(tasks.bump).result() == 1
    assert tasks.COUNTER == 1
    assert set(tasks.identity()) == {"process", "pid", "parent pid", "thread", "ident", "native_id"}


@pytest.mark.slow
def test_shared_values_memory_and_a_manager_dict_seen_from_child_processes():
    context = process_context()
    total, start = context.Value("i", 0), context.Barrier(2)
    adders = [context.Process(target=tasks.add, args=(total, 2000, True, start)) for _ in (0, 1)]
    for adder in adders:
        adder.start()
    for adder in adders:
        adder.join()
    assert total.value == 4000

    from multiprocessing.shared_memory import SharedMemory

    block = SharedMemory(create=True, size=4)
    try:
        child = context.Process(target=tasks.fill, args=(block.name, 1, 3, 90))
        child.start()
        child.join()
        assert bytes(block.buf) == b"\0ZZ\0"
    finally:
        block.close()
        block.unlink()

    with context.Manager() as manager:
        shared = manager.dict({"log": []})
        for target, args in (
            (tasks.update, (shared, {"a": 1})),
            (tasks.append_to, (shared, "log", 1)),
        ):
            child = context.Process(target=target, args=args)
            child.start()
            child.join()
        assert dict(shared) == {"log": [], "a": 1}  # the append changed a copy


def test_messages_through_a_queue_and_a_pipe():
    context = process_context()
    results = context.Queue()
    child = context.Process(target=tasks.squares, args=([2, 3], results))
    child.start()
    assert [results.get(timeout=30) for _ in range(3)] == [(2, 4), (3, 9), None]
    child.join()
    ours, theirs = context.Pipe()
    child = context.Process(target=tasks.shout, args=(theirs,))
    child.start()
    theirs.close()
    ours.send("hi")
    assert ours.recv() == "HI"
    ours.send(None)
    child.join()
    assert child.exitcode == 0


def test_the_c_workloads_are_deterministic_and_calibrate():
    assert workloads.sha256(2) == workloads.sha256(1)
    assert 0 < workloads.compress(1) < workloads.BLOCK
    assert workloads.rounds_for(0.01, workloads.sha256) >= 1
