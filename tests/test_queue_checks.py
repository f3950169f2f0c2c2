"""The queue checker, three ways: the starter stub, the reference and queue.Queue, wrong answers."""

import queue
import sys

import pytest

from netcourse.checks import FAILED, PASSED, SKIPPED, UnknownCheck, queues

from .three_ways import ThreeWays, assert_fails_exactly, right
from .wrong_queues import RACY, WRONG, Reference, Stub

# A racy queue escapes one run of exactly-once now and then (a few in a
# hundred on a loaded machine); three more runs make a miss all but impossible.
RACE_RETRIES = 3


class TestQueue(ThreeWays):
    checklist = queues.CHECKS
    stubs = [right(Stub)]
    references = [right(Reference)]
    corpus = WRONG

    def check(self, case, only=None):
        return queues.check_queue(case.answer, only, **case.options)

    def test_the_wrong_answer_fails_exactly_its_checks(self, case):
        report = self.check(case)
        for _retry in range(RACE_RETRIES if case.name in RACY else 0):
            if report["exactly-once"].status == FAILED:
                break
            report.results = [r for r in report.results if r.id != "exactly-once"]
            report.results += self.check(case, only=["exactly-once"]).results
        assert_fails_exactly(report, case)

    def test_the_stub_names_the_call(self):
        assert queues.check_queue(Stub).results[0].message.startswith("not attempted: Queue()")

    def test_queue_queue_passes_and_skips_shutdown_only_before_3_13(self):
        report = queues.check_queue(queue.Queue)
        assert all(r.status == PASSED for r in report.results if r.id != "shutdown"), str(report)
        expected = PASSED if sys.version_info >= (3, 13) else SKIPPED
        assert report["shutdown"].status == expected, str(report)

    def test_unknown_check_ids_are_refused(self):
        with pytest.raises(UnknownCheck, match="no such queue check: nope"):
            queues.check_queue(Reference, only=["nope"])
