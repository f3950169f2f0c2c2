"""The checkers behind the course's test cells.

Each checker returns a :class:`Report`; ``report.require()`` raises with a
message per failed check. Every check bounds its own waits and leaves no
threads, sockets or processes behind. Checker modules (``nc.checks.warmup``
and the rest) are imported on first use, so ``import netcourse`` stays fast.
"""

import importlib
from types import ModuleType

from .harness.calls import expect_raises, expect_returns
from .harness.core import (
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    SKIPPED,
    CheckFailure,
    Checklist,
    CheckResult,
    NotAttempted,
    OtherFault,
    Report,
    SkipCheck,
    UnknownCheck,
    call_student,
    run_checks,
)

__all__ = [
    "FAILED",
    "NOT_ATTEMPTED",
    "PASSED",
    "SKIPPED",
    "CheckFailure",
    "CheckResult",
    "Checklist",
    "NotAttempted",
    "OtherFault",
    "Report",
    "SkipCheck",
    "UnknownCheck",
    "call_student",
    "expect_raises",
    "expect_returns",
    "run_checks",
]


def __getattr__(name: str) -> ModuleType:
    """Import a checker module (``nc.checks.echo``, ...) the first time it is used."""
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
