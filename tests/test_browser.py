"""The notebooks in a real browser: JupyterLab, Debian's Chromium, driven by Playwright.

JupyterLab serves a scratch copy of the course (running cells in the real one
would let JupyterLab autosave outputs into committed notebooks). Each notebook
runs twice through the Run menu's "Run All Cells":

* the **blank release**, as a student first opens it: JupyterLab stops at the
  first error, so every cell before it must run clean and that error must be
  an unanswered exercise (``NotImplementedError`` from a stub or
  ``NotAttempted`` from a check);
* the **solution**, placed where the student's notebook would be: every cell
  must run, with no error at all.

Cell outputs are judged from the notebook JupyterLab saves, not from the page.
On 01 the encapsulation widget must render, and picking a layer or a field
must move the highlighted bytes. Screenshots go to ``test-artifacts/browser``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from netcourse.tools.packets import decode_frame
from netcourse.tools.pcap import read_pcap

from .conftest import ROOT
from .lab_server import TOKEN, get, running_lab

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "test-artifacts" / "browser"
ASSIGNMENTS = [
    "00-welcome",
    "01-layers-and-addresses",
    "03-blocking-and-nonblocking-io",
    "04-processes-threads-gil",
    "06-coroutines",
    "07-capstone",
]
WIDGET_NOTEBOOK = "01-layers-and-addresses"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
# Generous: the machine may be loaded; each wait ends as soon as its condition holds.
LOAD_TIMEOUT_MS = 180_000
RUN_TIMEOUT_MS = 480_000
WIDGET_TIMEOUT_MS = 60_000
UNANSWERED = {"NotImplementedError", "NotAttempted"}
# Lab settings for a test: every cell in the page (no windowing), no news pop-up.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def chromium_executable() -> str | None:
    """Debian's Chromium (``NETCOURSE_CHROMIUM`` overrides); Playwright's own is never used."""
    for candidate in (
        os.environ.get("NETCOURSE_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def scratch_course(root: Path) -> Path:
    """A copy of the course to serve: config, solutions, the release, and solved/ copies."""
    course = root / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    for tree in ("solutions", "notebooks"):
        shutil.copytree(ROOT / tree, course / tree)
    shutil.copytree(ROOT / "solutions", course / "solved")
    return course


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    executable = chromium_executable()
    if executable is None:
        pytest.skip(
            "Chromium is not installed, so the browser test cannot run: `.ci/run` installs "
            "Debian's chromium as root (apt-get install chromium); elsewhere install Chromium "
            "or point NETCOURSE_CHROMIUM at its executable"
        )
    root = tmp_path_factory.mktemp("browser")
    course = scratch_course(root)
    settings = root / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values), encoding="utf-8")
    extra = [
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={root / 'workspaces'}",
    ]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(root / "runtime")}
    with running_lab(course, *extra, env=env) as (url, _):
        yield url, executable


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    _, executable = lab
    with (
        tempfile.TemporaryDirectory(prefix="netcourse-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@contextmanager
def opened(browser, url: str, path: str, shot: str) -> Iterator:
    """A page showing the notebook at ``path`` with its kernel ready; a screenshot at the end."""
    page = browser.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{url}/lab/tree/{path}?token={TOKEN}&reset", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=LOAD_TIMEOUT_MS)
        page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(
            timeout=LOAD_TIMEOUT_MS
        )
        yield page
    finally:
        page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
        page.close()


def run_all_cells(page) -> None:
    """Run → Run All Cells, then wait until the run has finished or stopped at an error."""
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    # Done when no cell is queued or running ([*]) and either every cell has run or
    # an error stopped the run (JupyterLab then drops the cells still queued).
    page.wait_for_function(
        """() => {
            const cells = document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell');
            const prompts = [...cells].map(c => c.querySelector('.jp-InputPrompt').textContent);
            if (prompts.some(text => text.includes('*'))) return false;
            const errors = document.querySelectorAll(
                '.jp-NotebookPanel [data-mime-type="application/vnd.jupyter.stderr"]');
            return prompts.every(text => /\\[\\d+\\]/.test(text)) || errors.length > 0;
        }""",
        timeout=RUN_TIMEOUT_MS,
        polling=500,
    )


def saved_notebook(page, url: str, path: str) -> dict:
    """Save the notebook from the page and read back what JupyterLab wrote."""
    page.click(".jp-NotebookPanel-toolbar [data-command='docmanager:save']")
    page.wait_for_selector(".lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)")
    _, body = get(f"{url}/api/contents/{urllib.parse.quote(path)}?content=1")
    return json.loads(body)["content"]


def code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def cell_errors(cell: dict) -> list[dict]:
    return [output for output in cell.get("outputs", []) if output["output_type"] == "error"]


def describe(cell: dict) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    first_line = "".join(cell["source"]).splitlines()[0] if cell["source"] else ""
    return grade_id or first_line[:60]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solution_runs_every_cell_without_an_error(lab, browser, assignment):
    url, _ = lab
    path = f"solved/{assignment}/{assignment}.ipynb"
    with opened(browser, url, path, f"{assignment}-solution") as page:
        run_all_cells(page)
        notebook = saved_notebook(page, url, path)
        if assignment == WIDGET_NOTEBOOK:
            page.locator(".nc-encap .nc-byte.nc-hl").first.wait_for(timeout=WIDGET_TIMEOUT_MS)
    failed = {
        describe(c): cell_errors(c)[0]["ename"] for c in code_cells(notebook) if cell_errors(c)
    }
    assert not failed, f"cells raised in {assignment}: {failed}"
    not_run = [describe(c) for c in code_cells(notebook) if c.get("execution_count") is None]
    assert not not_run, f"cells that never ran in {assignment}: {not_run}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_blank_release_stops_only_at_an_unanswered_exercise(lab, browser, assignment):
    url, _ = lab
    path = f"notebooks/{assignment}/{assignment}.ipynb"
    with opened(browser, url, path, f"{assignment}-release") as page:
        run_all_cells(page)
        notebook = saved_notebook(page, url, path)
        if assignment == WIDGET_NOTEBOOK:
            check_the_widget(page)
    cells = code_cells(notebook)
    stopped = next((i for i, c in enumerate(cells) if cell_errors(c)), None)
    assert stopped is not None, f"the blank {assignment} ran to the end: no exercise is open"
    error = cell_errors(cells[stopped])[0]
    assert error["ename"] in UNANSWERED, (
        f"{assignment} stopped at {describe(cells[stopped])!r} with {error['ename']}: "
        f"{error['evalue']}; a blank notebook may stop only at an unanswered exercise"
    )
    before = [describe(c) for c in cells[:stopped] if c.get("execution_count") is None]
    assert not before, f"cells before the first exercise did not run: {before}"


def expected_ranges() -> dict[str, range]:
    """Where each layer of the frame the widget opens on (frame 4 of tcp-echo) lies."""
    frame = read_pcap(ROOT / "data" / "tcp-echo.pcap").packets[3].data
    return {
        layer.name: range(layer.offset, layer.offset + layer.length)
        for layer in decode_frame(frame)
    }


def highlighted(page) -> list[int]:
    return page.eval_on_selector_all(
        ".nc-encap .nc-byte.nc-hl", "spans => spans.map(s => Number(s.dataset.offset))"
    )


def wait_for_view(page, attribute: str, value: str) -> None:
    page.wait_for_function(
        "([attribute, value]) => {"
        "  const view = document.querySelector('.nc-encap .nc-encap-view');"
        "  return view !== null && view.dataset[attribute] === value;"
        "}",
        arg=[attribute, value],
        timeout=WIDGET_TIMEOUT_MS,
    )


def check_the_widget(page) -> None:
    """The explorer renders, and picking a layer, then a field, moves the highlight."""
    ranges = expected_ranges()
    widget = page.locator(".nc-encap").first
    widget.wait_for(timeout=WIDGET_TIMEOUT_MS)
    widget.scroll_into_view_if_needed()
    wait_for_view(page, "layer", "Ethernet")
    assert highlighted(page) == list(ranges["Ethernet"])
    assert page.locator(".nc-encap .nc-byte").count() == ranges["payload"].stop
    widget.screenshot(path=str(ARTIFACTS / "01-widget-ethernet.png"))

    page.click(".nc-encap-layers button:text-is('TCP')")
    wait_for_view(page, "layer", "TCP")
    assert highlighted(page) == list(ranges["TCP"]), "picking TCP highlights its header"
    widget.screenshot(path=str(ARTIFACTS / "01-widget-tcp.png"))

    page.select_option(".nc-encap-field select", label="flags")
    wait_for_view(page, "field", "flags")
    flags_offset = ranges["TCP"].start + 13
    assert highlighted(page) == [flags_offset], "picking the flags field highlights byte 13"
    assert "PSH ACK" in widget.inner_text()
    widget.screenshot(path=str(ARTIFACTS / "01-widget-tcp-flags.png"))
