"""What every checker in the course shares: checklists, results, reports and how failures read.

A checker is a :class:`Checklist`: named checks in the order they run, each
declared with ``@CHECKS.check("id")``. Each check passes, fails with a
message that names the fault and where to look, is skipped, or finds the
code still the starter stub (not attempted). A test cell then calls
``report.require()``, which raises when a check failed; nbgrader counts a
raised cell as a lost point.
"""

from __future__ import annotations

import html
import json
import textwrap
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

from ...display import verdict_table

PASSED, FAILED, SKIPPED, NOT_ATTEMPTED = "passed", "failed", "skipped", "not attempted"


class CheckFailure(AssertionError):
    """A check found a fault; the message says which and what to look at."""


class NotAttempted(CheckFailure):
    """The student's function is still the starter stub."""


class SkipCheck(Exception):
    """A check that does not apply here (a platform, a Python version, an option)."""


class OtherFault(SkipCheck):
    """The check could not measure its property because of a fault that another check is for.

    ``owners`` are the checks whose property that fault breaks. Once every check
    of the run has run, this check is skipped with "see <owner>" if an owner
    failed (or was not run); if every owner passed, the fault is this check's
    to report after all, and it fails with ``message``. So one fault fails one
    check, and a fault that only this check saw is never lost.
    """

    def __init__(self, owners: str | Iterable[str], message: str) -> None:
        super().__init__(message)
        self.owners = (owners,) if isinstance(owners, str) else tuple(owners)
        self.message = message

    @property
    def observed(self) -> str:
        """What was seen, for the skip's message: the fault the message leads with."""
        return lead(self.message)


_running: ContextVar[str] = ContextVar("running check", default="")


def running_check() -> str:
    """The id of the check running now (in the thread that runs the checks)."""
    return _running.get()


def fault_of(owners: str | Iterable[str], message: str) -> CheckFailure | OtherFault:
    """The exception for a fault that the check ``owners`` is about: a failure in that
    check itself, an :class:`OtherFault` pointing there in any other."""
    owners = (owners,) if isinstance(owners, str) else tuple(owners)
    return CheckFailure(message) if _running.get() in owners else OtherFault(owners, message)


class UnknownCheck(ValueError):
    """A selection named a check that the checker does not have."""


# A message leads with the fault in at most this many characters, then gives the advice:
# ``nbgrader validate`` cuts every line of an error at 87 characters, indent included.
LEAD = 80
_CLAUSE_ENDS = (": ", "; ", ". ")


def lead(message: str) -> str:
    """The fault a message leads with: the text up to the end of its first clause."""
    ends = [i for i in (message.find(mark) for mark in _CLAUSE_ENDS) if i >= 0]
    return message[: min(ends)] if ends else message


def _argument(value: Any) -> str:
    """An argument as a call shows it; bytes too long to read at a glance by their length."""
    text = repr(value)
    if isinstance(value, bytes | bytearray) and len(text) > 24:
        return f"<{len(value)} bytes>"
    return text


def describe_call(name: str, args: tuple, kwargs: dict | None = None) -> str:
    """``name(arg, key=value)`` as the student would have written the call."""
    parts = [_argument(a) for a in args] + [f"{k}={v!r}" for k, v in (kwargs or {}).items()]
    text = f"{name}({', '.join(parts)})"
    return text if len(text) <= 60 else text[:56] + "...)"


def not_attempted(label: str) -> NotAttempted:
    """The failure for a call that still reaches the starter's ``raise NotImplementedError()``."""
    return NotAttempted(
        f"not attempted: {label} still raises NotImplementedError; replace the line "
        "`raise NotImplementedError()` in the answer cell with your code and run that cell"
    )


def call_student(
    function: Callable[..., Any],
    *args: Any,
    name: str | None = None,
    hints: dict[type[BaseException], str] | None = None,
    **kwargs: Any,
) -> Any:
    """Call student code; a stub becomes NotAttempted, any other error a CheckFailure.

    ``hints`` maps an exception type to advice appended to the message when the
    call raises that type (the first matching entry wins).
    """
    label = describe_call(name or getattr(function, "__name__", "your function"), args, kwargs)
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise not_attempted(label) from None
    except CheckFailure:
        raise
    except Exception as exc:
        message = f"{label} raised {type(exc).__name__}: {exc}"
        for kind, hint in (hints or {}).items():
            if isinstance(exc, kind):
                message += f"; {hint}"
                break
        raise CheckFailure(message) from None


@dataclass
class CheckResult:
    """The outcome of one check."""

    id: str
    status: str
    message: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "seconds": round(self.seconds, 3)}


@dataclass
class Report:
    """The results of one run of a checker, in the order the checks ran."""

    subject: str
    results: list[CheckResult] = field(default_factory=list)

    def __getitem__(self, check_id: str) -> CheckResult:
        for result in self.results:
            if result.id == check_id:
                return result
        raise KeyError(check_id)

    @property
    def not_attempted(self) -> bool:
        return any(r.status == NOT_ATTEMPTED for r in self.results)

    def failed(self, ids: Iterable[str] | None = None) -> list[CheckResult]:
        wanted = None if ids is None else set(ids)
        return [
            r for r in self.results if r.status == FAILED and (wanted is None or r.id in wanted)
        ]

    @property
    def passed(self) -> bool:
        return not self.failed() and not self.not_attempted

    def require(self, *ids: str) -> None:
        """Raise unless every check (or every named one) passed; the message lists each fault."""
        unknown = set(ids) - {r.id for r in self.results}
        if unknown:
            raise KeyError(f"no such check in this report: {', '.join(sorted(unknown))}")
        if any(r.status == NOT_ATTEMPTED for r in self.results if not ids or r.id in ids):
            first = next(r for r in self.results if r.status == NOT_ATTEMPTED)
            raise NotAttempted(first.message)
        failures = self.failed(ids or None)
        if not failures:
            return
        lines = [f"{self.subject}: {len(failures)} check(s) failed"]
        for r in failures:  # short lines, so that nbgrader validate cuts none of them
            lines.append(f"  [{r.id}]")
            lines += textwrap.wrap(r.message, LEAD, initial_indent="    ", subsequent_indent="    ")
        raise CheckFailure("\n".join(lines))

    def to_json(self) -> dict[str, Any]:
        """The shape every ``netcourse check-*`` command writes with ``--json``."""
        return {"checks": {r.id: r.as_dict() for r in self.results}}

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")

    def __str__(self) -> str:
        width = max((len(r.id) for r in self.results), default=0)
        status_width = max([7, *(len(r.status) for r in self.results)])
        lines = [f"{self.subject}:"]
        for r in self.results:
            line = f"  {r.status.upper():{status_width}} {r.id:<{width}}  {r.seconds:5.2f}s"
            lines.append(line + (f"  {r.message}" if r.message else ""))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = verdict_table((r.status, r.id, r.message) for r in self.results)
        return f"<p><b>{html.escape(self.subject)}</b></p>{table}"


Thunk = Callable[[], None]
Subject = TypeVar("Subject")


def run_checks(subject: str, checks: Iterable[tuple[str, Thunk]]) -> Report:
    """Run each check in turn; once the code proves to be a stub, the rest are not run.

    A check that met another check's fault (:class:`OtherFault`) is settled
    once all have run. Whatever else a check raises (a library class that
    lacks what the checker expects, say) fails that check with a one-line
    message: a report always comes back whole.
    """
    report = Report(subject)
    stub = ""
    others: dict[str, OtherFault] = {}
    for check_id, check in checks:
        if stub:
            report.results.append(
                CheckResult(check_id, NOT_ATTEMPTED, f"not attempted: see {stub}")
            )
            continue
        start = time.perf_counter()
        running = _running.set(check_id)
        try:
            check()
        except OtherFault as exc:
            status, message = SKIPPED, exc.message
            others[check_id] = exc
        except SkipCheck as exc:
            status, message = SKIPPED, str(exc)
        except NotAttempted as exc:
            status, message, stub = NOT_ATTEMPTED, str(exc), check_id
        except CheckFailure as exc:
            status, message = FAILED, str(exc)
        except Exception as exc:  # not the student's fault alone: say what happened, briefly
            status, message = FAILED, f"the check stopped on {type(exc).__name__}: {exc}"
        else:
            status, message = PASSED, ""
        finally:
            _running.reset(running)
        report.results.append(CheckResult(check_id, status, message, time.perf_counter() - start))
    _settle(report, others)
    return report


def _settle(report: Report, others: dict[str, OtherFault]) -> None:
    """Point each check that met another's fault at an owner that failed, or fail it.

    An owner may itself have met a third check's fault: the pointer then goes
    on to that check. An owner that was not run (or was skipped) counts as
    failed elsewhere, since this run cannot say otherwise.
    """
    status = {r.id: r.status for r in report.results if r.id not in others}
    blamed: dict[str, str] = {}
    unsettled = dict(others)
    while unsettled:
        settled = {}
        for check_id, fault in unsettled.items():
            owner = next((o for o in fault.owners if status.get(o) == FAILED), None)
            owner = owner or next((blamed[o] for o in fault.owners if o in blamed), None)
            if owner is None and any(o in unsettled for o in fault.owners):
                continue  # an owner is still to be settled
            if owner is None:
                owner = next((o for o in fault.owners if status.get(o, SKIPPED) == SKIPPED), None)
            settled[check_id] = owner
        if not settled:  # owners that wait on each other: each reports its own fault
            settled = dict.fromkeys(unsettled)
        for check_id, owner in settled.items():
            del unsettled[check_id]
            if owner is None:
                status[check_id] = FAILED
            else:
                blamed[check_id] = owner
    for result in report.results:
        if result.id in blamed:
            fault = others[result.id]
            result.message = f"{fault.observed}: see {blamed[result.id]}"
        elif result.id in others:
            result.status = FAILED


class Checklist(Generic[Subject]):
    """The checks of one checker, in the order they run; declare each with ``@checklist.check``.

    A check is a function of one argument, the subject (the student's function
    or class, or what the family wraps it in): it returns when the property
    holds and raises CheckFailure (NotAttempted for a stub) or SkipCheck.
    """

    def __init__(self, family: str) -> None:
        self.family = family
        self._checks: dict[str, Callable[[Subject], None]] = {}

    def check(self, check_id: str) -> Callable[[Callable[[Subject], None]], Callable]:
        """Declare the decorated function as the check ``check_id``, after those declared so far."""

        def declare(function: Callable[[Subject], None]) -> Callable[[Subject], None]:
            if check_id in self._checks:
                raise ValueError(f"{self.family} declares the check {check_id!r} twice")
            self._checks[check_id] = function
            return function

        return declare

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._checks)

    def select(self, only: Iterable[str] | None = None) -> list[tuple[str, Callable]]:
        """The checks named in ``only`` (all when None), in checklist order.

        An id the checklist does not have raises UnknownCheck, naming the known ones.
        """
        if isinstance(only, str):
            raise TypeError(f"name the checks as a list, such as [{only!r}]")
        wanted = set(self._checks if only is None else only)
        unknown = sorted(wanted - set(self._checks))
        if unknown:
            raise UnknownCheck(
                f"no such {self.family} check: {', '.join(unknown)}; "
                f"known: {', '.join(self._checks)}"
            )
        return [(check_id, check) for check_id, check in self._checks.items() if check_id in wanted]

    def run(
        self,
        name: str,
        subject: Subject,
        only: Iterable[str] | None = None,
        wrap: Callable[[str, Thunk], Thunk] = lambda check_id, thunk: thunk,
    ) -> Report:
        """Run the checks named in ``only`` (all when None) on ``subject``; ``wrap(id, thunk)``
        adapts each."""
        selected = self.select(only)
        return run_checks(name, [(i, wrap(i, partial(check, subject))) for i, check in selected])


def short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
