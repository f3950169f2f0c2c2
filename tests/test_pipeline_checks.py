"""The pipeline checker, three ways: the starter stub, the reference, realistic wrong answers."""

import pytest

from netcourse.checks import FAILED, PASSED
from netcourse.checks.pipelines import CHECK_IDS, check_pipeline

from .wrong_pipelines import WRONG, reference, stub


def test_the_starter_stub_is_not_attempted():
    for check_id in CHECK_IDS:
        assert check_pipeline(stub, only=[check_id]).not_attempted, check_id


@pytest.mark.parametrize("shape", [{}, {"workers": 1, "maxsize": 1}, {"workers": 6, "maxsize": 3}])
def test_the_reference_passes_every_check(shape):
    report = check_pipeline(reference, **shape)
    assert [r.id for r in report.results] == list(CHECK_IDS)
    assert all(r.status == PASSED for r in report.results), str(report)


@pytest.mark.parametrize(("wrong", "failing", "phrase"), WRONG, ids=[w[0].__name__ for w in WRONG])
def test_wrong_answer_fails_exactly_the_right_checks(wrong, failing, phrase):
    report = check_pipeline(wrong)
    assert {r.id for r in report.results if r.status == FAILED} == failing, str(report)
    assert not report.not_attempted
    assert phrase in " ".join(r.message for r in report.failed()), str(report)
