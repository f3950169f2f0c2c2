"""The generator-pipeline checker, three ways: the starter stub, the reference, wrong answers."""

import time

import pytest

from netcourse.checks import generators

from .three_ways import ThreeWays, right
from .wrong_generators import ABANDON, WRONG, reference, stub


@pytest.fixture
def abandon_spinners():
    """End the loops a producer that never yields left spinning, once its test is over."""
    ABANDON.clear()
    yield
    ABANDON.set()
    time.sleep(0.05)


class TestGeneratorPipeline(ThreeWays):
    checklist = generators.CHECKS
    stubs = [right(stub)]
    references = [
        right(reference, label="default-buffer"),
        right(reference, label="one-slot", maxsize=1),
        right(reference, label="eight-slots", maxsize=8),
    ]
    corpus = WRONG

    def check(self, case, only=None):
        return generators.check_pipeline(case.answer, only, **case.options)

    def test_the_wrong_answer_fails_exactly_its_checks(self, case, abandon_spinners):
        super().test_the_wrong_answer_fails_exactly_its_checks(case)
