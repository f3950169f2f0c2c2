"""The queue checker, three ways: the starter stub, the reference and queue.Queue, wrong answers."""

import queue
import sys

import pytest

from netcourse.checks import FAILED, PASSED, SKIPPED
from netcourse.checks.queues import CHECK_IDS, check_queue

from .wrong_queues import RACY, WRONG, Reference, Stub

# A racy queue escapes one run of exactly-once now and then (a few in a
# hundred on a loaded machine); three more runs make a miss all but impossible.
RACE_RETRIES = 3


def test_the_starter_stub_is_not_attempted():
    report = check_queue(Stub)
    assert report.not_attempted
    assert report.results[0].message.startswith("not attempted: Queue()")


def test_each_subset_of_the_stub_is_not_attempted():
    for check_id in CHECK_IDS:
        report = check_queue(Stub, only=[check_id])
        assert [r.id for r in report.results] == [check_id]
        assert report.not_attempted, str(report)


def test_the_reference_passes_every_check():
    report = check_queue(Reference)
    assert [r.id for r in report.results] == list(CHECK_IDS)
    assert all(r.status == PASSED for r in report.results), str(report)


def test_queue_queue_passes_and_skips_shutdown_only_before_3_13():
    report = check_queue(queue.Queue)
    assert all(r.status == PASSED for r in report.results if r.id != "shutdown"), str(report)
    expected = PASSED if sys.version_info >= (3, 13) else SKIPPED
    assert report["shutdown"].status == expected, str(report)


def test_unknown_check_ids_are_refused():
    with pytest.raises(KeyError, match="no such check: nope"):
        check_queue(Reference, only=["nope"])


@pytest.mark.parametrize(("wrong", "failing", "phrase"), WRONG, ids=[w[0].__name__ for w in WRONG])
def test_wrong_answer_fails_exactly_the_right_checks(wrong, failing, phrase):
    report = check_queue(wrong)
    for _retry in range(RACE_RETRIES if wrong.__name__ in RACY else 0):
        if report["exactly-once"].status == FAILED:
            break
        report.results = [r for r in report.results if r.id != "exactly-once"]
        report.results += check_queue(wrong, only=["exactly-once"]).results
    assert {r.id for r in report.results if r.status == FAILED} == failing, str(report)
    assert not report.not_attempted
    assert phrase in " ".join(r.message for r in report.failed()), str(report)
