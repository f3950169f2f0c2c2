"""Bounded calls into student code: hangs, stubs, expected exceptions and stderr become messages."""

import queue
import threading

import pytest

from netcourse.checks import CheckFailure, NotAttempted, OtherFault, expect_raises, expect_returns
from netcourse.checks.harness.calls import (
    Call,
    guarded,
    prompt,
    returned_early,
    student_threads_since,
)
from netcourse.checks.harness.capture import live_threads


def stub(*args):
    raise NotImplementedError()


def test_a_call_that_hangs_fails_with_its_label_and_the_reason():
    never = threading.Event()
    with pytest.raises(CheckFailure, match=r"^waiting forever stayed put$"):
        Call("waiting forever", never.wait).value(0.05, "stayed put")
    never.set()


def test_a_stub_is_not_attempted_even_in_a_thread():
    with pytest.raises(NotAttempted, match=r"not attempted: q\.get"):
        prompt("q.get()", stub)


def test_raised_accepts_the_expected_exception_and_names_the_wrong_one():
    Call("d['x']", dict().__getitem__, "x").raised(KeyError, 1, "hung", "a missing key")
    with pytest.raises(CheckFailure, match=r"raised ValueError.*not queue.Empty: why"):
        Call("int('x')", int, "x").raised(queue.Empty, 1, "hung", "why")
    with pytest.raises(CheckFailure, match=r"returned 1 instead of raising: why"):
        Call("int('1')", int, "1").raised(ValueError, 1, "hung", "why")


def test_returned_early_tells_blocked_calls_from_quick_ones():
    gate = threading.Event()
    quick, blocked = Call("quick", int, "1"), Call("blocked", gate.wait)
    assert returned_early([quick, blocked], 0.05) == [quick]
    gate.set()
    assert blocked.wait(1)


def test_expect_hides_the_expected_value_and_bounds_the_wait():
    expect_returns(abs, (-3,), 3, "why")
    with pytest.raises(CheckFailure) as failed:
        expect_returns(abs, (-3,), 4, "a hidden reason")
    assert "4" not in str(failed.value) and "a hidden reason" in str(failed.value)
    never = threading.Event()
    with pytest.raises(CheckFailure, match=r"did not return within 0\.05 s"):
        expect_raises(never.wait, (), ValueError, "why", seconds=0.05)
    never.set()


def test_guarded_turns_a_thread_exception_into_the_failure(capsys):
    def check():
        thread = threading.Thread(target=lambda: 1 / 0, name="worker-1")
        thread.start()
        thread.join()

    with pytest.raises(CheckFailure, match="worker-1: ZeroDivisionError"):
        guarded("demo", check)()
    assert capsys.readouterr().err == ""


def test_guarded_points_a_thread_exception_at_the_check_it_belongs_to():
    def check():
        thread = threading.Thread(target=lambda: 1 / 0, name="worker-2")
        thread.start()
        thread.join()

    with pytest.raises(OtherFault) as elsewhere:
        guarded("no-leak", check, errors_belong_to="exception")()
    assert elsewhere.value.owners == ("exception",) and "worker-2" in elsewhere.value.message
    with pytest.raises(CheckFailure, match="worker-2: ZeroDivisionError"):
        guarded("exception", check, errors_belong_to="exception")()


def test_guarded_reports_a_stub_running_in_a_thread_as_not_attempted():
    def check():
        thread = threading.Thread(target=stub)
        thread.start()
        thread.join()

    with pytest.raises(NotAttempted):
        guarded("demo", check)()


def test_student_threads_leave_out_the_checkers_own():
    before = live_threads()
    gate = threading.Event()
    call = Call("starts a thread", lambda: threading.Thread(target=gate.wait).start())
    call.value(1)
    try:
        started = student_threads_since(before)
        assert len(started) == 1 and started[0] is not call._background.thread
    finally:
        gate.set()


def test_expect_calls_in_this_thread_when_no_thread_can_start(monkeypatch):
    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    expect_returns(abs, (-3,), 3, "why")
    expect_raises(int, ("x",), ValueError, "why")
    with pytest.raises(CheckFailure, match="returned 1 instead of raising"):
        expect_raises(int, ("1",), ValueError, "why")
