"""The pool checker, three ways: the stub, the reference and ThreadPoolExecutor, wrong answers."""

from concurrent.futures import ThreadPoolExecutor

from netcourse.checks import pools

from .three_ways import ThreeWays, right
from .wrong_pools import WRONG, Reference, Stub


class TestPool(ThreeWays):
    checklist = pools.CHECKS
    stubs = [right(Stub)]
    references = [right(Reference), right(ThreadPoolExecutor)]
    corpus = WRONG

    def check(self, case, only=None):
        return pools.check_pool(case.answer, only, **case.options)

    def test_the_stub_names_the_call(self):
        assert pools.check_pool(Stub).results[0].message.startswith("not attempted: Pool(2)")

    def test_a_worker_still_raising_not_implemented_error_is_not_attempted(self):
        class HalfDone(Reference):
            def _work(self):
                raise NotImplementedError()

        report = pools.check_pool(HalfDone, only=["runs-tasks"])
        assert report.not_attempted, str(report)
