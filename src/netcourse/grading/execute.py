"""nbgrader's Execute with one time budget for the whole notebook.

nbgrader gives every cell the same timeout, so a submission whose cells hang
one after another takes cells × timeout, and the wall-clock limit that stops
it throws away every point already earned. With a budget, each cell waits at
most what is left of it; once it is spent, the remaining cells are not run
but marked with an error, the notebook finishes, and the cells that ran keep
their scores. A kernel that dies is handled the same way.
"""

from __future__ import annotations

import math
import time

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Float


class BudgetedExecute(Execute):
    """Execute a notebook within ``notebook_budget`` seconds in all (``timeout`` per cell)."""

    notebook_budget = Float(
        480.0, help="Seconds for the whole notebook; each cell also stops at `timeout`."
    ).tag(config=True)
    _deadline = math.inf
    _kernel_died = False

    def _cell_timeout(self, cell: NotebookNode) -> int:
        left = max(1.0, self._deadline - time.monotonic())
        return math.ceil(min(self.timeout, left) if self.timeout else left)

    def preprocess(self, nb: NotebookNode, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_budget
        self._kernel_died = False
        self.timeout_func = self._cell_timeout
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self.timeout_func = None
            self._deadline = math.inf

    def preprocess_cell(self, cell: NotebookNode, resources, index: int):
        if cell.cell_type != "code":
            return super().preprocess_cell(cell, resources, index)
        if self._kernel_died:
            return _failed(cell, "NotRun", "not run: the kernel died in a cell above"), resources
        if time.monotonic() >= self._deadline:
            reason = f"not run: the notebook's {self.notebook_budget:g} s time budget was spent"
            return _failed(cell, "NotRun", reason), resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._kernel_died = True
            reason = "the kernel died while this cell ran (killed, out of memory, or it exited)"
            return _failed(cell, "KernelDied", reason), resources


def _failed(cell: NotebookNode, name: str, reason: str) -> NotebookNode:
    """Give a cell an error output, as if it had raised ``name: reason``."""
    cell.outputs = [new_output("error", ename=name, evalue=reason, traceback=[])]
    return cell


class GradingExecute(BudgetedExecute):
    """The budgeted Execute whose kernels are started by :class:`GradingKernelManager`.

    nbgrader's ``Execute.__init__`` passes ``kernel_manager_class`` as a keyword,
    which beats ``c.Execute.kernel_manager_class`` from config; a keyword set
    first is the way in.
    """

    def __init__(self, *args, **kwargs) -> None:
        from .sandbox import GradingKernelManager

        kwargs.setdefault("kernel_manager_class", GradingKernelManager)
        super().__init__(*args, **kwargs)
