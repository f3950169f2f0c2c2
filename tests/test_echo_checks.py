"""The echo-server checker, three ways: stubs, a reference per kind, and realistic wrong servers."""

from __future__ import annotations

import time

import pytest

from netcourse.checks import FAILED, PASSED, SKIPPED
from netcourse.checks.echo import CHECK_IDS, EXERCISE_CHECKS, check_server
from netcourse.checks.harness.server import POOL_KINDS

from .echo_servers import REFERENCES, WORKERS
from .echo_wrong import ABANDON, CORPUS


def workers_for(kind: str) -> int | None:
    return WORKERS if kind in POOL_KINDS else None


@pytest.fixture
def abandon_spinners():
    """End the threads a wrong server leaves spinning once its test is over."""
    ABANDON.clear()
    yield
    ABANDON.set()
    time.sleep(0.05)


def stub(listener, stop):
    raise NotImplementedError()


async def async_stub(listener, stop):
    raise NotImplementedError()


def pool_stub(listener, stop, workers):
    raise NotImplementedError()


@pytest.mark.parametrize(
    ("serve", "kind"),
    [
        (stub, "sequential"),
        (stub, "threads"),
        (async_stub, "asyncio"),
        (stub, "gevent"),
        (pool_stub, "thread-pool"),
    ],
)
def test_stub_is_not_attempted_and_costs_no_time(serve, kind):
    start = time.monotonic()
    report = check_server(serve, kind, workers=workers_for(kind))
    assert report.not_attempted, str(report)
    assert report.results[0].status == FAILED
    assert all(r.status == SKIPPED for r in report.results[1:]), str(report)
    assert time.monotonic() - start < 5


SLOW_TO_START = {"process-pool"}  # a pool of processes takes a second or two to start


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_TO_START else n for n in REFERENCES],
)
def test_reference_passes_every_check_of_its_kind(name):
    serve, kind = REFERENCES[name]
    report = check_server(serve, kind, workers=workers_for(kind))
    assert [r.id for r in report.results] == list(EXERCISE_CHECKS[kind])
    assert all(r.status == PASSED for r in report.results), str(report)
    report.require()


@pytest.mark.slow
@pytest.mark.parametrize("wrong", CORPUS, ids=[w.name for w in CORPUS])
def test_wrong_server_fails_exactly_its_checks(wrong, abandon_spinners):
    report = check_server(wrong.serve, wrong.kind, workers=wrong.workers)
    failed = {r.id for r in report.results if r.status == FAILED}
    assert failed == wrong.fails, str(report)
    assert all(r.status == PASSED for r in report.results if r.id not in wrong.fails)
    assert not report.not_attempted
    messages = " ".join(r.message for r in report.results)
    assert wrong.phrase in messages, str(report)


def test_the_corpus_covers_every_check():
    failed = set().union(*(w.fails for w in CORPUS))
    assert failed == set(CHECK_IDS)
    assert len(CORPUS) >= 15


def test_a_selection_runs_only_those_checks_in_order():
    serve, kind = REFERENCES["threads"]
    report = check_server(serve, kind, checks=["stop", "short"])
    assert [r.id for r in report.results] == ["short", "stop"]
    assert report.passed


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"kind": "fibers"}, "unknown kind"),
        ({"kind": "thread-pool"}, "workers=N"),
        ({"kind": "threads", "checks": ["shorts"]}, "no such echo check"),
        ({"kind": "threads", "large": 1000}, "at least 1 MiB"),
    ],
)
def test_bad_arguments_are_the_test_cells_mistake(kwargs, phrase):
    with pytest.raises(ValueError, match=phrase):
        check_server(stub, **kwargs)


def test_what_a_server_prints_is_counted_not_shown(capsys):
    def chatty(listener, stop):
        serve, _ = REFERENCES["sequential"]
        print("listening")
        serve(listener, stop)

    report = check_server(chatty, checks=["short"])
    assert report.passed
    assert "printed 1 line(s)" in report.subject and "'listening'" in report.subject
    assert capsys.readouterr().out == ""
