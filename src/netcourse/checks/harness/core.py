"""What every checker in the course shares: results, reports and how failures read.

A checker runs a list of named checks against a student's code. Each check
passes, fails with a message that names the fault and where to look, or is
skipped. A test cell then calls ``report.require()``, which raises when a
check failed; nbgrader counts a raised cell as a lost point.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...display import verdict_table

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


class CheckFailure(AssertionError):
    """A check found a fault; the message says which and what to look at."""


class NotAttempted(CheckFailure):
    """The student's function is still the starter stub."""


class SkipCheck(Exception):
    """A check that does not apply here (a platform, a Python version, an option)."""


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
        return any(r.message.startswith("not attempted") for r in self.results)

    def failed(self, ids: Iterable[str] | None = None) -> list[CheckResult]:
        wanted = None if ids is None else set(ids)
        return [
            r for r in self.results if r.status == FAILED and (wanted is None or r.id in wanted)
        ]

    @property
    def passed(self) -> bool:
        return not self.failed()

    def require(self, *ids: str) -> None:
        """Raise unless every check (or every named one) passed; the message lists each fault."""
        unknown = set(ids) - {r.id for r in self.results}
        if unknown:
            raise KeyError(f"no such check in this report: {', '.join(sorted(unknown))}")
        if self.not_attempted and any(
            r.message.startswith("not attempted") for r in self.results if not ids or r.id in ids
        ):  # checks skipped because the code is still the stub count as not attempted too
            first = next(r for r in self.results if r.message.startswith("not attempted"))
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
        lines = [f"{self.subject}:"]
        for r in self.results:
            line = f"  {r.status.upper():7} {r.id:<{width}}  {r.seconds:5.2f}s"
            lines.append(line + (f"  {r.message}" if r.message else ""))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = verdict_table((r.status, r.id, r.message) for r in self.results)
        return f"<p><b>{html.escape(self.subject)}</b></p>{table}"


Check = Callable[[], None]


def run_checks(subject: str, checks: Iterable[tuple[str, Check]]) -> Report:
    """Run each check in turn; once the code proves to be a stub, the rest are skipped."""
    report = Report(subject)
    for check_id, check in checks:
        if report.not_attempted:
            report.results.append(CheckResult(check_id, SKIPPED, "not attempted"))
            continue
        start = time.perf_counter()
        try:
            check()
        except SkipCheck as exc:
            status, message = SKIPPED, str(exc)
        except CheckFailure as exc:
            status, message = FAILED, str(exc)
        else:
            status, message = PASSED, ""
        report.results.append(CheckResult(check_id, status, message, time.perf_counter() - start))
    return report


def short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
