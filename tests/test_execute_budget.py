"""A notebook's time budget bounds grading and keeps the points of cells that ran."""

import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from netcourse.grading.execute import BudgetedExecute

pytestmark = pytest.mark.slow


def test_cells_after_the_budget_are_marked_not_run(tmp_path):
    notebook = new_notebook(
        cells=[
            new_code_cell("done = 1"),
            new_code_cell("import time\nwhile True:\n    try:\n        time.sleep(100)\n"
                          "    except KeyboardInterrupt:\n        pass"),
            new_code_cell("never = 1"),
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )  # fmt: skip
    executor = BudgetedExecute(
        timeout=120, notebook_budget=4, kernel_name="python3", raise_on_iopub_timeout=False
    )
    executor.iopub_timeout = 1
    start = time.monotonic()
    executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    elapsed = time.monotonic() - start
    first, hung, never = notebook.cells
    assert not any(o.output_type == "error" for o in first.outputs)
    assert [o.ename for o in hung.outputs if o.output_type == "error"] == ["CellTimeoutError"]
    assert [o.ename for o in never.outputs] == ["NotRun"]
    assert "time budget" in never.outputs[0].evalue
    assert elapsed < 120, "the budget, not the 120 s cell timeout, bounded the run"
    nbformat.validate(notebook)
