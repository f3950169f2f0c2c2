"""The pipeline checker, three ways: the starter stub, the reference, realistic wrong answers."""

from netcourse.checks import pipelines

from .three_ways import ThreeWays, right
from .wrong_pipelines import WRONG, reference, stub


class TestPipeline(ThreeWays):
    checklist = pipelines.CHECKS
    stubs = [right(stub)]
    references = [
        right(reference, label="default-shape"),
        right(reference, label="one-worker-one-slot", workers=1, maxsize=1),
        right(reference, label="six-workers-three-slots", workers=6, maxsize=3),
    ]
    corpus = WRONG

    def check(self, case, only=None):
        return pipelines.check_pipeline(case.answer, only, **case.options)
