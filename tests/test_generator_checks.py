"""The generator-pipeline checker, three ways: the starter stub, the reference, wrong answers."""

from netcourse.checks import generators

from .three_ways import ThreeWays, right
from .wrong_generators import WRONG, reference, stub


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
