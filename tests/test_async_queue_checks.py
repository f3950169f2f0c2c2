"""The asyncio-queue checker, three ways: the starter stub, references, realistic wrong answers."""

import asyncio
import time

import pytest

from netcourse.checks import async_queues

from .three_ways import ThreeWays, right
from .wrong_async_queues import ABANDON, WRONG, Reference, Stub


@pytest.fixture
def abandon_blocked_loops():
    """End the loops a wrong queue left blocked once its test is over."""
    ABANDON.clear()
    yield
    ABANDON.set()
    time.sleep(0.3)  # they end their checks quickly once released


class TestAsyncQueue(ThreeWays):
    checklist = async_queues.CHECKS
    stubs = [right(Stub)]
    references = [
        right(Reference, label="notebook"),
        right(Reference, label="one-slot-many-tasks", producers=3, consumers=9, maxsize=1),
        right(asyncio.Queue, label="asyncio.Queue"),
    ]
    corpus = WRONG

    def check(self, case, only=None):
        return async_queues.check_queue(case.answer, only, **case.options)

    def test_the_wrong_answer_fails_exactly_its_checks(self, case, abandon_blocked_loops):
        super().test_the_wrong_answer_fails_exactly_its_checks(case)
