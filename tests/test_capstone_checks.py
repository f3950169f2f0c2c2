"""Notebook 07's checkers, three ways: a responsive server under CPU-bound requests, and a
server that holds many idle connections."""

from __future__ import annotations

import pytest

from netcourse.checks import idle, offload

from .three_ways import ThreeWays
from .wrong_capstone import (
    IDLE_CORPUS,
    IDLE_REFERENCES,
    IDLE_STUBS,
    OFFLOAD_CORPUS,
    OFFLOAD_REFERENCES,
    OFFLOAD_STUBS,
    serve_many,
)


class TestResponsiveServer(ThreeWays):
    checklist = offload.CHECKS
    stubs = OFFLOAD_STUBS
    references = OFFLOAD_REFERENCES
    corpus = OFFLOAD_CORPUS

    def check(self, case, only=None):
        return offload.check_server(case.answer, only=only, **case.options)


class TestIdleServer(ThreeWays):
    checklist = idle.CHECKS
    stubs = IDLE_STUBS
    references = IDLE_REFERENCES
    corpus = IDLE_CORPUS

    def check(self, case, only=None):
        return idle.check_server(case.answer, connections=150, only=only, **case.options)


def test_the_idle_report_tells_the_memory_per_connection():
    report = idle.check_server(serve_many, connections=100, only=["held"])
    assert report.passed, str(report)
    assert "held 100 idle connections on" in report.subject
    assert "KiB per connection" in report.subject


@pytest.mark.parametrize("workers", [0, -1, 1.5])
def test_a_pool_needs_workers(workers):
    with pytest.raises(ValueError, match="workers"):
        offload.check_server(OFFLOAD_REFERENCES[0].answer, workers=workers)
