"""The shared check machinery: results, reports, and how failures read."""

import pytest

from netcourse.checks import (
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    SKIPPED,
    CheckFailure,
    Checklist,
    NotAttempted,
    OtherFault,
    SkipCheck,
    UnknownCheck,
    call_student,
    expect_raises,
    expect_returns,
    run_checks,
)


def stub(*args):
    raise NotImplementedError()


def fails(message):
    def check():
        raise CheckFailure(message)

    return check


def test_run_checks_records_each_outcome_in_order():
    def skipped():
        raise SkipCheck("not on this platform")

    report = run_checks("demo", [("a", lambda: None), ("b", fails("broke")), ("c", skipped)])
    assert [(r.id, r.status) for r in report.results] == [
        ("a", PASSED),
        ("b", FAILED),
        ("c", SKIPPED),
    ]
    assert report["b"].message == "broke"
    assert not report.passed
    assert report.to_json()["checks"]["c"] == {
        "status": "skipped",
        "message": "not on this platform",
        "seconds": report["c"].as_dict()["seconds"],
    }


def test_require_lists_every_failure_and_only_the_named_ones():
    report = run_checks(
        "demo", [("a", fails("first")), ("b", fails("second")), ("c", lambda: None)]
    )
    with pytest.raises(CheckFailure) as caught:
        report.require()
    assert "[a]\n    first" in str(caught.value) and "[b]\n    second" in str(caught.value)
    report.require("c")
    with pytest.raises(KeyError):
        report.require("nope")


def test_a_stub_is_not_attempted_and_the_rest_is_not_run():
    report = run_checks("demo", [("a", lambda: call_student(stub, 1)), ("b", lambda: None)])
    assert report.not_attempted and not report.passed
    assert (
        report["a"].status == NOT_ATTEMPTED and "raise NotImplementedError" in report["a"].message
    )
    assert report["b"].status == NOT_ATTEMPTED and report["b"].message == "not attempted: see a"
    assert report.failed() == []
    with pytest.raises(NotAttempted, match="raise NotImplementedError"):
        report.require()
    with pytest.raises(NotAttempted, match="raise NotImplementedError"):
        report.require("b")  # not run because the code is a stub: not a pass


def test_not_attempted_comes_from_the_exception_type_not_the_message():
    def says_it():
        raise CheckFailure("not attempted, says the message")

    report = run_checks("demo", [("a", says_it), ("b", lambda: None)])
    assert report["a"].status == FAILED and report["b"].status == PASSED
    assert not report.not_attempted


CHECKS: Checklist[int] = Checklist("demo")


@CHECKS.check("positive")
def _positive(n: int) -> None:
    if n <= 0:
        raise CheckFailure(f"{n} is not positive")


@CHECKS.check("even")
def _even(n: int) -> None:
    if n % 2:
        raise CheckFailure(f"{n} is odd")


def test_a_checklist_runs_its_checks_in_the_order_declared_on_one_subject():
    assert CHECKS.ids == ("positive", "even")
    report = CHECKS.run("three", 3)
    assert [(r.id, r.status) for r in report.results] == [("positive", PASSED), ("even", FAILED)]
    assert [r.id for r in CHECKS.run("four", 4, only=["even", "positive"]).results] == [
        "positive",
        "even",
    ]
    wrapped = []
    CHECKS.run("two", 2, wrap=lambda check_id, thunk: wrapped.append(check_id) or thunk)
    assert wrapped == ["positive", "even"]


def test_a_checklist_refuses_unknown_ids_a_bare_string_and_a_second_declaration():
    with pytest.raises(UnknownCheck, match="no such demo check: odd; known: positive, even"):
        CHECKS.select(["odd"])
    with pytest.raises(TypeError, match=r"\['even'\]"):
        CHECKS.select("even")
    with pytest.raises(ValueError, match="twice"):
        CHECKS.check("even")(_even)


def test_call_student_turns_errors_into_failures_with_hints():
    def broken(x):
        return x / 0

    with pytest.raises(CheckFailure, match=r"broken\(1\) raised ZeroDivisionError.*; divide later"):
        call_student(broken, 1, hints={ArithmeticError: "divide later"})


def test_expect_returns_never_shows_the_expected_value():
    with pytest.raises(CheckFailure) as caught:
        expect_returns(lambda x: x + 1, (1,), 12345, "think again", name="inc")
    assert "12345" not in str(caught.value)
    assert str(caught.value) == "inc(1) returned 2, which is wrong: think again"
    with pytest.raises(CheckFailure):
        expect_returns(lambda: 1, (), 1.0, "an int is not a float")
    expect_returns(lambda: b"x", (), b"x", "unused")


def test_expect_raises_distinguishes_no_error_wrong_error_and_stub():
    expect_raises(int, ("x",), ValueError, "unused")
    with pytest.raises(CheckFailure, match="returned 1 instead of raising"):
        expect_raises(int, ("1",), ValueError, "why")
    with pytest.raises(CheckFailure, match="raised KeyError, not ValueError"):
        expect_raises({}.__getitem__, ("k",), ValueError, "why")
    with pytest.raises(NotAttempted):
        expect_raises(stub, (), ValueError, "why")


def test_report_renders_as_text_and_html():
    report = run_checks("demo <x>", [("a", lambda: None), ("b", fails("bad & worse"))])
    text = str(report)
    assert "PASSED  a" in text and "FAILED  b" in text and "bad & worse" in text
    assert "bad &amp; worse" in report._repr_html_() and "demo &lt;x&gt;" in report._repr_html_()


def other_fault(owners, message="the echo came back short: see why"):
    def check():
        raise OtherFault(owners, message)

    return check


def test_a_check_that_met_another_checks_fault_points_at_it_when_that_one_failed():
    report = run_checks(
        "demo",
        [("a", other_fault("b")), ("b", fails("b broke: advice")), ("c", other_fault(["x", "a"]))],
    )
    assert [(r.id, r.status) for r in report.results] == [
        ("a", SKIPPED),
        ("b", FAILED),
        ("c", SKIPPED),
    ]
    assert report["a"].message == "the echo came back short: see b"
    assert report["c"].message == "the echo came back short: see b"  # through a, to b
    assert report.failed() == [report["b"]]


def test_a_fault_no_other_check_reported_fails_the_check_that_saw_it():
    report = run_checks("demo", [("a", lambda: None), ("b", other_fault("a", "lost: advice"))])
    assert report["b"].status == FAILED and report["b"].message == "lost: advice"
    alone = run_checks("demo", [("b", other_fault("a"))])  # a was not run: no verdict on it here
    assert alone["b"].status == SKIPPED and alone["b"].message.endswith(": see a")
    circle = run_checks("demo", [("a", other_fault("b", "x")), ("b", other_fault("a", "y"))])
    assert [r.status for r in circle.results] == [FAILED, FAILED]


def test_an_unexpected_error_fails_its_check_in_one_line_and_the_report_comes_back():
    def missing():
        return object().join

    report = run_checks("demo", [("a", missing), ("b", lambda: None)])
    assert report["a"].status == FAILED and report["b"].status == PASSED
    assert report["a"].message == (
        "the check stopped on AttributeError: 'object' object has no attribute 'join'"
    )


def test_require_wraps_each_message_so_that_no_line_is_cut():
    message = "the fault comes first: " + "and then the advice, " * 12
    report = run_checks("demo", [("long", fails(message))])
    with pytest.raises(CheckFailure) as caught:
        report.require()
    lines = str(caught.value).splitlines()
    assert lines[:3] == [
        "demo: 1 check(s) failed",
        "  [long]",
        "    the fault comes first: and then the advice, and then the advice, and then",
    ]
    assert max(map(len, lines)) <= 84
    assert " ".join(line.strip() for line in lines[2:]) == message.strip()
