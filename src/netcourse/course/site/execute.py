"""Run the site's copies of the student notebooks, one after another, each within a time limit.

nbclient runs every cell, errors or not: a student release shows errors by
design (stubs raise ``NotImplementedError``, check cells ``NotAttempted``, a
``%%demo`` that calls a stub ``DemoError``). Any other error is a broken
notebook or package, and the build stops on it. Each cell has its own limit
and the whole notebook a budget; once the budget is spent the next cell times
out and the build stops, naming the notebook.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode

from ...checks import NotAttempted
from ...tools.notebook import DemoError

# the errors of a release: a stub, a check of a stub, a %%demo that called a stub
EXPECTED_ERRORS = frozenset(
    {NotImplementedError.__name__, NotAttempted.__name__, DemoError.__name__}
)
SKIP_TAG = "skip-execution"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Widgets that only show something; any other widget in a view's tree is a control.
PASSIVE_WIDGETS = frozenset(
    {"Box", "HBox", "VBox", "GridBox", "HTML", "HTMLMath", "Label", "Image",
     "FloatProgress", "IntProgress", "Output"}
)  # fmt: skip
WIDGET_NOTE = (
    '<div class="admonition note nc-widget-note"><p class="admonition-title">Interactive '
    "widget</p><p>Shown as it was first drawn when this page was built: its controls call "
    "Python, so they need a running kernel. Open the notebook in JupyterLab to use them.</p></div>"
)


class NotebookFailed(Exception):
    """A notebook could not be run for the site; the message names it and the cell."""


@dataclass
class Execution:
    """How one notebook ran: its time, the errors it showed by name, the notes it got."""

    notebook: str
    seconds: float = 0.0
    errors: Counter[str] = field(default_factory=Counter)
    widget_notes: int = 0
    skipped: int = 0

    def errors_shown(self) -> str:
        """``NotAttempted × 12, NotImplementedError × 6``, or ``none``."""
        return ", ".join(f"{name} × {n}" for name, n in sorted(self.errors.items())) or "none"


def run_notebook(path: Path, name: str, cell_timeout: float, budget: float) -> Execution:
    """Run the notebook at ``path`` in its own folder and save it with its outputs."""
    nb = nbformat.read(path, as_version=4)
    deadline = time.monotonic() + budget

    def timeout_of(cell: NotebookNode) -> float:
        # nbclient takes 0 or None as "no limit": a spent budget leaves a sliver
        return max(0.01, min(cell_timeout, deadline - time.monotonic()))

    client = NotebookClient(
        nb,
        timeout_func=timeout_of,
        allow_errors=True,
        kernel_name="python3",
        # not ipykernel's warning about unencrypted TCP on loopback, at every start
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellTimeoutError as error:
        spent = time.monotonic() >= deadline
        limit = f"its {budget:g} s time limit" if spent else f"the {cell_timeout:g} s cell limit"
        raise NotebookFailed(f"{name}: stopped at {limit} ({_first_line(error)})") from None
    except DeadKernelError:
        raise NotebookFailed(f"{name}: the kernel died while the notebook ran") from None
    record = Execution(name, seconds=round(time.perf_counter() - started, 2))
    unexpected = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        record.skipped += SKIP_TAG in cell.metadata.get("tags", [])
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                record.errors[output.ename] += 1
                if output.ename not in EXPECTED_ERRORS:
                    unexpected.append(f"cell {index} raised {output.ename}: {output.evalue[:200]}")
    if unexpected:
        raise NotebookFailed(
            f"{name}: errors a student release never shows (a broken notebook or package): "
            + "; ".join(unexpected)
        )
    record.widget_notes = note_interactive_widgets(nb)
    nbformat.write(nb, path)
    return record


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def note_interactive_widgets(nb: NotebookNode) -> int:
    """Put a note in front of each output whose widget holds a control; return how many.

    Decided from what the cell displayed (the saved widget state), not from its
    source: a progress bar is left alone, an explorer with buttons gets the note.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    noted = 0
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for index, output in enumerate(outputs):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and _has_control(view.get("model_id", ""), state, set()):
                note = nbformat.v4.new_output("display_data", data={"text/html": WIDGET_NOTE})
                outputs.insert(index, note)
                noted += 1
                break
    return noted


def _has_control(model_id: str, state: dict, seen: set[str]) -> bool:
    if model_id in seen or model_id not in state:
        return False
    seen.add(model_id)
    model = state[model_id]
    name = model.get("model_name", "")
    if not name.endswith("Model") or "Layout" in name or "Style" in name:
        return False
    if name.removesuffix("Model") not in PASSIVE_WIDGETS:
        return True
    children = model.get("state", {}).get("children", [])
    return any(_has_control(child.removeprefix("IPY_MODEL_"), state, seen) for child in children)
