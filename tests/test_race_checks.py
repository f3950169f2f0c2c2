"""The race checker, three ways: stubs, correct accounts and realistic wrong ones,
plus the notebook's own starter and solution."""

from __future__ import annotations

import pytest

from netcourse.checks import races

from .conftest import ROOT
from .notebook_tools import load_answers
from .three_ways import ThreeWays, right
from .wrong_accounts import CORPUS, REFERENCES, STUBS, Account, Unsafe

NOTEBOOK = "04-processes-threads-gil/04-processes-threads-gil.ipynb"


def from_notebook(tree: str):
    return load_answers(ROOT / tree / NOTEBOOK, "setup", "account")["Account"]


class TestAccount(ThreeWays):
    checklist = races.CHECKS
    stubs = [*STUBS, right(from_notebook("notebooks"), label="notebook-starter")]
    references = [*REFERENCES, right(from_notebook("solutions"), label="notebook-solution")]
    corpus = CORPUS

    def check(self, case, only=None):
        return races.check_account(case.answer, only, **case.options)


@pytest.mark.parametrize("run", range(5))
def test_a_forced_race_is_lost_on_every_run_and_never_by_the_fix(run):
    ids = ["deposits", "withdrawals", "deposit-and-withdrawal"]
    assert races.check_account(Unsafe, ids).failed() and races.check_account(Account, ids).passed


def test_the_model_is_what_one_thread_does():
    assert races.serial(100, [("deposit", 5), ("withdraw", 105), ("withdraw", 1)]) == (
        [None, True, False],
        0,
    )


def test_a_tiny_opening_balance_is_the_test_cells_mistake():
    with pytest.raises(ValueError, match="at least 10"):
        races.check_account(Account, balance=5)
