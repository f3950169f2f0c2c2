"""The parallel-map checker, three ways: the stub, correct maps and realistic wrong ones,
plus the notebook's own starter and solution."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace

import psutil
import pytest

from netcourse.checks import parallel

from .conftest import ROOT
from .notebook_tools import load_answers
from .three_ways import ThreeWays, right
from .wrong_parallel import CORPUS, REFERENCES, STUBS, executor_map, never_closed

NOTEBOOK = "04-processes-threads-gil/04-processes-threads-gil.ipynb"


def from_notebook(tree: str):
    return load_answers(ROOT / tree / NOTEBOOK, "setup", "parallel-map")["parallel_map"]


class TestParallelMap(ThreeWays):
    checklist = parallel.CHECKS
    stubs = [*STUBS, right(from_notebook("notebooks"), label="notebook-starter")]
    references = [
        *REFERENCES,
        right(from_notebook("solutions"), label="notebook-solution", slow=True),
    ]
    corpus = [replace(case, slow=True) for case in CORPUS]

    def check(self, case, only=None):
        return parallel.check_parallel_map(case.answer, only, **case.options)


@pytest.mark.slow
@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_a_correct_map_passes_under_every_start_method(method):
    report = parallel.check_parallel_map(executor_map, ["results", "parallel"], method=method)
    assert report.passed, str(report)


def test_a_pool_left_open_is_terminated_and_leaves_no_process():
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    report = parallel.check_parallel_map(never_closed, ["results", "exception"], processes=2)
    assert report.passed, str(report)
    helpers = parallel.multiprocessing_helpers()
    left = [
        p
        for p in psutil.Process().children(recursive=True)
        if p.pid not in before | helpers and p.status() != psutil.STATUS_ZOMBIE
    ]
    assert not left, left


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [({"processes": 1}, "processes=2 or more"), ({"method": "teleport"}, "no start method")],
)
def test_bad_arguments_are_the_test_cells_mistake(kwargs, phrase):
    with pytest.raises(ValueError, match=phrase):
        parallel.check_parallel_map(executor_map, **kwargs)
