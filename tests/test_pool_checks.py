"""The pool checker, three ways: the stub, the reference and ThreadPoolExecutor, wrong answers."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from netcourse.checks import FAILED, PASSED
from netcourse.checks.pools import CHECK_IDS, check_pool

from .wrong_pools import WRONG, Reference, Stub


def test_the_starter_stub_is_not_attempted():
    report = check_pool(Stub)
    assert report.not_attempted
    assert report.results[0].message.startswith("not attempted: Pool(2)")


def test_each_subset_of_the_stub_is_not_attempted():
    for check_id in CHECK_IDS:
        assert check_pool(Stub, only=[check_id]).not_attempted, check_id


@pytest.mark.parametrize("pool_class", [Reference, ThreadPoolExecutor])
def test_the_reference_and_thread_pool_executor_pass_every_check(pool_class):
    report = check_pool(pool_class)
    assert [r.id for r in report.results] == list(CHECK_IDS)
    assert all(r.status == PASSED for r in report.results), str(report)


def test_a_worker_still_raising_not_implemented_error_is_not_attempted():
    class HalfDone(Reference):
        def _work(self):
            raise NotImplementedError()

    report = check_pool(HalfDone, only=["runs-tasks"])
    assert report.not_attempted, str(report)


@pytest.mark.parametrize(("wrong", "failing", "phrase"), WRONG, ids=[w[0].__name__ for w in WRONG])
def test_wrong_answer_fails_exactly_the_right_checks(wrong, failing, phrase):
    report = check_pool(wrong)
    assert {r.id for r in report.results if r.status == FAILED} == failing, str(report)
    assert not report.not_attempted
    assert phrase in " ".join(r.message for r in report.failed()), str(report)
