"""The generator-scheduler checker, three ways: the starter stub, references, wrong answers."""

from netcourse.checks import schedulers
from netcourse.tools import scheduler

from .three_ways import ThreeWays, right
from .wrong_schedulers import WRONG, reference, stub


class TestScheduler(ThreeWays):
    checklist = schedulers.CHECKS
    stubs = [right(stub)]
    references = [right(reference, label="notebook"), right(scheduler.run, label="nc.scheduler")]
    corpus = WRONG

    def check(self, case, only=None):
        return schedulers.check_scheduler(case.answer, only)
