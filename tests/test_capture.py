"""The capture machinery keeps student code's stderr traffic inside the check."""

import logging
import sys
import threading
import time
import warnings

from netcourse.checks.harness.capture import (
    Background,
    capture,
    live_threads,
    threads_started_since,
    wait_for_threads,
    wait_until,
)


def test_thread_errors_warnings_logs_and_stderr_are_captured(capsys):
    def crash():
        raise ConnectionResetError("peer reset")

    with capture() as captured:
        thread = threading.Thread(target=crash, name="handler-1")
        thread.start()
        thread.join()
        warnings.warn("careful", UserWarning, stacklevel=1)
        logging.getLogger("student").error("lost %d clients", 3)
        print("oops\n", file=sys.stderr)
    assert captured.thread_errors == ["handler-1: ConnectionResetError: peer reset"]
    assert captured.warnings == ["UserWarning: careful"]
    assert captured.log_records == ["ERROR student: lost 3 clients"]
    assert captured.stderr == ["oops"]
    assert len(captured.problems()) == 4
    assert capsys.readouterr().err == ""


def test_a_deprecation_warning_counts_only_where_a_kernel_shows_it():
    notebook = {"__name__": "__main__", "warnings": warnings}
    with capture() as captured:
        warnings.warn("from a library", DeprecationWarning, stacklevel=1)
        exec('warnings.warn("from the notebook", DeprecationWarning)', notebook)
    assert captured.warnings == ["DeprecationWarning: from the notebook"]


def test_a_resource_warning_is_kept_for_the_leak_checks_and_costs_no_point():
    with capture() as captured:
        warnings.warn("unclosed <socket.socket fd=7>", ResourceWarning, stacklevel=1)
    assert captured.resource_warnings == ["ResourceWarning: unclosed <socket.socket fd=7>"]
    assert captured.problems() == []


def test_hooks_are_restored_afterwards():
    saved = (threading.excepthook, sys.unraisablehook, sys.stderr)
    with capture():
        pass
    assert (threading.excepthook, sys.unraisablehook, sys.stderr) == saved


def test_background_keeps_results_errors_and_makes_daemons():
    inner = []

    def work(x):
        t = threading.Thread(target=time.sleep, args=(0.01,))
        inner.append(t.daemon)
        t.start()
        return x * 2

    call = Background(work, 21)
    assert call.join(5) and call.result == 42 and call.error is None
    assert inner == [True] and call.thread.daemon

    def fail():
        raise ValueError("bad")

    call = Background(fail)
    assert call.join(5)
    assert isinstance(call.error, ValueError)
    assert call.describe_error().startswith("ValueError: bad (line")


def test_threads_left_behind_are_found_and_waited_for():
    before = live_threads()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="left-behind", daemon=True)
    thread.start()
    assert threads_started_since(before) == [thread]
    assert wait_for_threads([thread], 0.05) == [thread]
    stop.set()
    assert wait_for_threads([thread], 5) == []


def test_wait_until_is_bounded():
    assert wait_until(lambda: True, 0)
    start = time.monotonic()
    assert not wait_until(lambda: False, 0.05)
    assert time.monotonic() - start < 5
