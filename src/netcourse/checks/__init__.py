"""The checkers behind the course's test cells.

Each checker returns a :class:`Report`; ``report.require()`` raises with a
message per failed check. Every check bounds its own waits and leaves no
threads, sockets or processes behind.
"""

from . import warmup
from .core import (
    FAILED,
    PASSED,
    SKIPPED,
    CheckFailure,
    CheckResult,
    NotAttempted,
    Report,
    SkipCheck,
    call_student,
    expect_raises,
    expect_returns,
    run_checks,
)

__all__ = [
    "FAILED",
    "PASSED",
    "SKIPPED",
    "CheckFailure",
    "CheckResult",
    "NotAttempted",
    "Report",
    "SkipCheck",
    "call_student",
    "expect_raises",
    "expect_returns",
    "run_checks",
    "warmup",
]
