"""How the course's notebooks behave in a kernel: ``%%demo``, and short words for failures.

A student's failures should read as one line about their code. Two kinds of
error get that treatment in every kernel that imports the course: a check
that failed (its message already says what and where to look; the checker's
frames would only bury it), and a call that reached an answer cell's starter
line ``raise NotImplementedError()``, which gets the same advice as a test
cell gives for a stub.
"""

from __future__ import annotations

import linecache
import os
from types import TracebackType
from typing import Any

from ..checks.harness.core import CheckFailure, NotAttempted, not_attempted

# nbgrader sets NBGRADER_EXECUTION to "autograde" or "validate" around the
# execution of a notebook; kernels it starts inherit the variable.
_GRADING_MODES = frozenset({"autograde", "validate"})
STUB_LINE = "raise NotImplementedError()"  # an answer cell's stub (nbgrader_config.py)
SHORT_ERRORS = (CheckFailure, NotImplementedError)
_demos_running = 0  # while above 0, a missing answer is left for %%demo to report


def is_grading() -> bool:
    """True while nbgrader autogrades or validates the notebook this kernel runs."""
    return os.environ.get("NBGRADER_EXECUTION", "") in _GRADING_MODES


def missing_answer(error: BaseException | None) -> NotAttempted | None:
    """The failure to show when ``error`` means that an answer is still its stub, else None."""
    if isinstance(error, NotAttempted):
        return error
    if not isinstance(error, NotImplementedError) or error.args:
        return None
    tb: TracebackType | None = error.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    if linecache.getline(code.co_filename, tb.tb_lineno).strip() != STUB_LINE:
        return None  # a NotImplementedError of the student's own making
    return not_attempted(f"{code.co_qualname}()")


def short_form(error: BaseException | None) -> BaseException | None:
    """The error to show in one line (a stub's NotAttempted, a check's failure), else None."""
    stub = missing_answer(error)
    if stub is not None:
        return stub
    return error if isinstance(error, CheckFailure) else None


def one_line(error: BaseException) -> list[str]:
    """An error as IPython shows the last line of a traceback, and nothing else."""
    return [f"\x1b[0;31m{type(error).__name__}\x1b[0m: {error}"]


def _show_short(
    shell: Any, kind: type, error: BaseException, tb: TracebackType, tb_offset: int | None = None
) -> list[str]:
    """IPython's handler for SHORT_ERRORS: one line for a check or a stub, else as usual."""
    short = short_form(error)
    if short is not None and _demos_running:
        return []  # the demo that ran this code says it in one line
    if short is not None:
        shown = one_line(short)
    else:
        shown = shell.InteractiveTB.structured_traceback(kind, error, tb, tb_offset=tb_offset)
    shell._showtraceback(kind, error, shown)
    return shown


class DemoError(Exception):
    """A cell marked ``%%demo`` raised; raised again so the cell counts as failed."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return one_line(self)


def demo(line: str, cell: str) -> None:
    """Run the cell as usual, except while nbgrader grades or validates it.

    Demonstrations that block, run long or need a person watching are marked
    with ``%%demo`` so that grading stays fast and bounded. A demo that needs
    an answer not written yet says so in one line.
    """
    global _demos_running
    if is_grading():
        print("(demo skipped while nbgrader runs this notebook)")
        return
    from IPython import get_ipython

    _demos_running += 1
    try:
        result = get_ipython().run_cell(cell)
    finally:
        _demos_running -= 1
    if result.success:
        return
    short = short_form(result.error_in_exec)
    if short is not None:
        raise short from None
    # run_cell has shown the traceback; the cell must fail as a whole too
    raise DemoError("the demo stopped at the error above")


def register_magics() -> None:
    """Register ``%%demo`` and the short failures inside IPython; a no-op in plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.register_magic_function(demo, magic_kind="cell", magic_name="demo")
        shell.set_custom_exc(SHORT_ERRORS, _show_short)
