"""Every checker tested three ways, written once: the stub, the reference, the wrong answers.

A test module describes its checker with a subclass of :class:`ThreeWays`
(named ``Test...`` so that pytest collects it) and gets these tests:

* the starter stub is "not attempted", in a full run and in a run of each check alone;
* every reference passes every check;
* each realistic wrong answer fails exactly the checks it should (one fault, one
  failed check), with a message that says the phrase it should; every other
  check passes, or is skipped with a pointer to a check that failed ("see
  large") because it could not measure its property past that fault;
* every message leads with the fault in at most 80 characters (then the advice);
* every check of the checklist is failed by at least one wrong answer.

The answers are :class:`Case`\\ s, one shape for every family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from netcourse.checks import FAILED, NOT_ATTEMPTED, PASSED, SKIPPED, Checklist, Report
from netcourse.checks.harness.core import LEAD, lead

POINTER = re.compile(r": see ([\w-]+)$")


@dataclass(frozen=True)
class Case:
    """An answer to a checker, the checks it must fail (none for a reference), and a phrase the
    failures must say; ``options`` are the checker's keyword arguments for it."""

    answer: Any
    fails: frozenset[str] = frozenset()
    phrase: str = ""
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    slow: bool = False
    label: str = ""

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        parts = self.answer if isinstance(self.answer, tuple) else (self.answer,)
        return "-".join(getattr(p, "__name__", type(p).__name__) for p in parts)

    def param(self) -> Any:
        return pytest.param(self, id=self.name, marks=[pytest.mark.slow] if self.slow else [])


def wrong(
    answer: Any,
    fails: Iterable[str],
    phrase: str,
    *,
    slow: bool = False,
    label: str = "",
    **options,
) -> Case:
    """A realistic wrong answer: it fails exactly ``fails``, with ``phrase`` in the messages."""
    return Case(answer, frozenset(fails), phrase, options, slow, label)


def right(answer: Any, *, slow: bool = False, label: str = "", **options) -> Case:
    """A reference answer: it passes every check."""
    return Case(answer, options=options, slow=slow, label=label)


def assert_fails_exactly(report: Report, case: Case, lead_exempt: Iterable[str] = ()) -> None:
    """Exactly ``case.fails`` failed; every other check passed or was skipped with a pointer
    to one that failed; nothing was "not attempted"; the failures say ``case.phrase``; and
    every message leads with its fault in at most LEAD characters."""
    failed = {r.id for r in report.results if r.status == FAILED}
    assert failed == case.fails, str(report)
    assert not report.not_attempted, str(report)
    for r in report.results:
        if r.status == SKIPPED:
            pointer = POINTER.search(r.message)
            assert pointer and pointer[1] in failed, f"[{r.id}] skipped without a pointer\n{report}"
        elif r.id not in case.fails:
            assert r.status == PASSED, str(report)
    assert case.phrase in " ".join(r.message for r in report.failed()), str(report)
    assert_leads_with_the_fault(report, lead_exempt)


def assert_leads_with_the_fault(report: Report, exempt: Iterable[str] = ()) -> None:
    """Every message's first clause (its fault) fits in LEAD characters (but ``exempt``'s)."""
    for r in report.results:
        if r.id in exempt:
            continue
        assert len(lead(r.message)) <= LEAD, (
            f"[{r.id}] leads with {len(lead(r.message))} chars: {r.message}"
        )


class ThreeWays:
    """The three-way test of one checker; a subclass sets the class attributes and ``check``."""

    checklist: ClassVar[Checklist]
    stubs: ClassVar[list[Case]]
    references: ClassVar[list[Case]]
    corpus: ClassVar[list[Case]]
    # Checks whose messages are someone else's to shorten (see the echo checker's stop).
    lead_exempt: ClassVar[frozenset[str]] = frozenset()

    def check(self, case: Case, only: Iterable[str] | None = None) -> Report:
        """Run the checker on ``case.answer`` with ``case.options`` (and ``only``)."""
        raise NotImplementedError

    def test_the_stub_is_not_attempted(self, stub: Case) -> None:
        report = self.check(stub)
        assert report.results and all(r.status == NOT_ATTEMPTED for r in report.results), report
        assert report.results[0].message.startswith("not attempted"), str(report)

    def test_each_check_alone_finds_the_stub_not_attempted(self, stub: Case) -> None:
        ids = [r.id for r in self.check(stub).results]
        for check_id in ids:
            report = self.check(stub, only=[check_id])
            assert [r.id for r in report.results] == [check_id]
            assert report.not_attempted, str(report)

    def test_the_reference_passes_every_check(self, reference: Case) -> None:
        report = self.check(reference)
        assert all(r.status == PASSED for r in report.results), str(report)
        report.require()

    def test_the_wrong_answer_fails_exactly_its_checks(self, case: Case) -> None:
        assert_fails_exactly(self.check(case), case, self.lead_exempt)

    def test_every_check_is_failed_by_some_wrong_answer(self) -> None:
        failed = set().union(*(case.fails for case in self.corpus))
        assert failed == set(self.checklist.ids), sorted(set(self.checklist.ids) - failed)


def parametrize(metafunc: pytest.Metafunc) -> None:
    """Give a ThreeWays test its stubs, references or wrong answers (from conftest.py)."""
    cls = metafunc.cls
    if cls is None or not issubclass(cls, ThreeWays):
        return
    for argument, cases in (("stub", "stubs"), ("reference", "references"), ("case", "corpus")):
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, [c.param() for c in getattr(cls, cases)])
