"""The echo-server checker, three ways: stubs, a reference per kind, and realistic wrong servers."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from netcourse.checks import echo
from netcourse.checks.echo import check_server
from netcourse.checks.harness.server import POOL_KINDS

from .echo_servers import REFERENCES, WORKERS
from .echo_wrong import ABANDON, CORPUS
from .three_ways import ThreeWays, right


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


SLOW_TO_START = {"process-pool"}  # a pool of processes takes a second or two to start


class TestEchoServer(ThreeWays):
    checklist = echo.CHECKS
    stubs = [
        right(stub, kind="sequential"),
        right(stub, kind="threads"),
        right(async_stub, kind="asyncio"),
        right(stub, kind="gevent"),
        right(pool_stub, kind="thread-pool", workers=WORKERS),
    ]
    references = [
        right(serve, label=name, slow=name in SLOW_TO_START, kind=kind, workers=workers_for(kind))
        for name, (serve, kind) in REFERENCES.items()
    ]
    corpus = [replace(case, slow=True) for case in CORPUS]
    # The stop check changes with the server stop contract (issue 12 left it alone).
    lead_exempt = frozenset({"stop"})

    def check(self, case, only=None):
        return echo.check_server(case.answer, only=only, **case.options)

    def test_the_stub_costs_no_time(self):
        start = time.monotonic()
        self.check(self.stubs[1])
        assert time.monotonic() - start < 5

    def test_the_reference_passes_every_check(self, reference):
        report = self.check(reference)
        assert [r.id for r in report.results] == list(
            echo.EXERCISE_CHECKS[reference.options["kind"]]
        )
        super().test_the_reference_passes_every_check(reference)

    def test_the_wrong_answer_fails_exactly_its_checks(self, case, abandon_spinners):
        super().test_the_wrong_answer_fails_exactly_its_checks(case)

    def test_the_corpus_is_large(self):
        assert len(self.corpus) >= 15


def test_a_selection_runs_only_those_checks_in_order():
    serve, kind = REFERENCES["threads"]
    report = check_server(serve, kind, only=["stop", "short"])
    assert [r.id for r in report.results] == ["short", "stop"]
    assert report.passed


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"kind": "fibers"}, "unknown kind"),
        ({"kind": "thread-pool"}, "workers=N"),
        ({"kind": "threads", "only": ["shorts"]}, "no such echo check"),
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

    report = check_server(chatty, only=["short"])
    assert report.passed
    assert "printed 1 line(s)" in report.subject and "'listening'" in report.subject
    assert capsys.readouterr().out == ""
