"""How the course's notebooks behave differently when nbgrader runs them."""

from __future__ import annotations

import os

# nbgrader sets NBGRADER_EXECUTION to "autograde" or "validate" around the
# execution of a notebook; kernels it starts inherit the variable.
_GRADING_MODES = frozenset({"autograde", "validate"})


def is_grading() -> bool:
    """True while nbgrader autogrades or validates the notebook this kernel runs."""
    return os.environ.get("NBGRADER_EXECUTION", "") in _GRADING_MODES


def demo(line: str, cell: str) -> None:
    """Run the cell as usual, except while nbgrader grades or validates it.

    Demonstrations that block, run long or need a person watching are marked
    with ``%%demo`` so that grading stays fast and bounded.
    """
    if is_grading():
        print("(demo skipped while nbgrader runs this notebook)")
        return
    from IPython import get_ipython

    result = get_ipython().run_cell(cell)
    if not result.success:
        # run_cell has shown the traceback; the cell must fail as a whole too
        raise DemoError("this demo raised an error: its traceback is above")


class DemoError(Exception):
    """A cell marked ``%%demo`` raised; raised again so the cell counts as failed."""


def register_magics() -> None:
    """Register ``%%demo`` when imported inside IPython; a no-op in plain Python."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.register_magic_function(demo, magic_kind="cell", magic_name="demo")
