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
import time
from collections.abc import Callable, Iterable
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


class UnknownCheck(ValueError):
    """A selection named a check that the checker does not have."""


def describe_call(name: str, args: tuple, kwargs: dict | None = None) -> str:
    """``name(arg, key=value)`` as the student would have written the call."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in (kwargs or {}).items()]
    text = f"{name}({', '.join(parts)})"
    return text if len(text) <= 120 else text[:117] + "..."


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
        lines += [f"  [{r.id}] {r.message}" for r in failures]
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
    """Run each check in turn; once the code proves to be a stub, the rest are not run."""
    report = Report(subject)
    stub = ""
    for check_id, check in checks:
        if stub:
            report.results.append(
                CheckResult(check_id, NOT_ATTEMPTED, f"not attempted: see {stub}")
            )
            continue
        start = time.perf_counter()
        try:
            check()
        except SkipCheck as exc:
            status, message = SKIPPED, str(exc)
        except NotAttempted as exc:
            status, message, stub = NOT_ATTEMPTED, str(exc), check_id
        except CheckFailure as exc:
            status, message = FAILED, str(exc)
        else:
            status, message = PASSED, ""
        report.results.append(CheckResult(check_id, status, message, time.perf_counter() - start))
    return report


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
        wrap: Callable[[Thunk], Thunk] = lambda thunk: thunk,
    ) -> Report:
        """Run the checks named in ``only`` (all when None) on ``subject``; ``wrap`` adapts each."""
        selected = self.select(only)
        return run_checks(name, [(i, wrap(partial(check, subject))) for i, check in selected])


def short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
