"""The course site: built by `make site` from the student release, checked in Chromium.

The slow tests build the site once, as `make site` does, into a scratch
folder: its last line is the path of index.html, it holds no solution and no
hidden test, and every page loads in headless Chromium from a local server
with no script error, no request leaving the machine, every image drawn, every
widget drawn, and every internal link (and its #fragment) resolving. The
quick tests cover the parts: the syllabus, the leak scanner (it finds a leak
planted in each way a page could hold one), the widget notes, the mark-up.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import nbformat
import pytest

from netcourse.course.site.execute import (
    NotebookFailed,
    note_interactive_widgets,
    run_notebook,
)
from netcourse.course.site.leaks import needles, scan
from netcourse.course.site.prepare import mark_up
from netcourse.course.site.syllabus import Entry, planned, syllabus_table

from .conftest import ROOT
from .test_browser import CHROMIUM_ARGS, chromium_executable

SYLLABUS = ROOT / "site" / "syllabus.toml"
UNPUBLISHED = "not published yet"


# -- the syllabus ----------------------------------------------------------------------


def test_the_syllabus_plans_every_notebook_of_the_course():
    plan = planned(SYLLABUS)
    assert [e.number for e in plan] == [f"{n:02}" for n in range(8)]
    numbers = {e.number for e in plan}
    released = [p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir()]
    assert all(name[:2] in numbers for name in released), "a released notebook is not planned"


def test_the_syllabus_links_what_is_released_and_marks_the_rest(tmp_path):
    page = tmp_path / "notebooks" / "01-x" / "01-x.ipynb"
    plan = [Entry("00", "Welcome", "w"), Entry("01", "Layers", "l")]
    table = syllabus_table(plan, {"01-x": [page], "09-extra": []}, {"01-x.zip"}, tmp_path)
    rows = table.splitlines()[2:]
    assert rows[0].startswith("| 00 | Welcome *(not published yet)*")
    assert "[Layers](notebooks/01-x/01-x.ipynb)" in rows[1]
    assert "{download}`01-x.zip </kit/01-x.zip>`" in rows[1]
    assert rows[2].startswith("| 09 |"), "a released notebook the plan lacks is still listed"


# -- the leak scanner ------------------------------------------------------------------


@pytest.fixture(scope="module")
def secrets(course):
    return needles(course)


def test_every_assignment_has_secrets_to_look_for(secrets):
    assert len(secrets.solution) > 50
    assert len(secrets.hidden_test) > 50


def test_the_scanner_finds_a_solution_however_a_page_holds_it(course, secrets, tmp_path):
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    solved = course.source / "02-tcp-sockets" / "02-tcp-sockets.ipynb"
    code = next(c.source for c in nbformat.read(solved, 4).cells if "BEGIN SOLUTION" in c.source)
    (tmp_path / "page.html").write_text(highlight(code, PythonLexer(), HtmlFormatter()))
    with zipfile.ZipFile(tmp_path / "kit.zip", "w") as archive:
        archive.write(solved, "02-tcp-sockets/02-tcp-sockets.ipynb")
    hits, _ = scan(tmp_path, secrets)
    where = {hit.split(": ")[0] for hit in hits}
    assert "page.html (text)" in where, "a highlighted solution in HTML was missed"
    assert any(name.startswith("kit.zip!") for name in where), "a notebook in a zip was missed"


def test_the_scanner_passes_the_student_release(course, secrets, tmp_path):
    for folder in course.released_assignments():
        for path in folder.glob("*.ipynb"):
            (tmp_path / path.name).write_bytes(path.read_bytes())
    hits, read = scan(tmp_path, secrets)
    assert read and not hits


# -- the mark-up and the widget notes --------------------------------------------------


def test_copies_are_tagged_and_solutions_are_refused(course, tmp_path):
    copy = tmp_path / "00-welcome.ipynb"
    copy.write_bytes((course.release / "00-welcome" / "00-welcome.ipynb").read_bytes())
    mark_up(copy)
    tags = [set(c.metadata.get("tags", [])) for c in nbformat.read(copy, 4).cells]
    assert {"nc-answer"} in tags and {"nc-check"} in tags
    solved = tmp_path / "solved.ipynb"
    solved.write_bytes((course.source / "00-welcome" / "00-welcome.ipynb").read_bytes())
    with pytest.raises(Exception, match="not a student release"):
        mark_up(solved)


def widget_notebook(*models: tuple[str, str, list[str]]) -> nbformat.NotebookNode:
    """A notebook whose one cell displays the first of ``models`` (id, name, children)."""
    nb = nbformat.v4.new_notebook()
    state = {
        mid: {"model_name": name, "state": {"children": [f"IPY_MODEL_{c}" for c in children]}}
        for mid, name, children in models
    }
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state}}
    view = {"application/vnd.jupyter.widget-view+json": {"model_id": models[0][0]}}
    cell = nbformat.v4.new_code_cell("w")
    cell.outputs = [nbformat.v4.new_output("display_data", data=view)]
    nb.cells = [cell]
    return nb


def test_a_widget_with_a_control_gets_a_note_and_a_progress_bar_does_not():
    explorer = widget_notebook(("a", "VBoxModel", ["b"]), ("b", "DropdownModel", []))
    assert note_interactive_widgets(explorer) == 1
    assert "running kernel" in explorer.cells[0].outputs[0].data["text/html"]
    progress = widget_notebook(("a", "HBoxModel", ["b", "c"]), ("b", "FloatProgressModel", []),
                               ("c", "HTMLModel", []))  # fmt: skip
    assert note_interactive_widgets(progress) == 0


# -- running notebooks -----------------------------------------------------------------


def scratch_notebook(folder: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = folder / "scratch.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_notebook_runs_in_its_folder_and_shows_the_errors_of_a_release(tmp_path):
    (tmp_path / "data.txt").write_text("here")
    path = scratch_notebook(tmp_path, "print(open('data.txt').read())", "raise NotImplementedError")
    record = run_notebook(path, "scratch", cell_timeout=60, budget=120)
    assert record.errors == {"NotImplementedError": 1}
    assert "here" in nbformat.read(path, 4).cells[0].outputs[0].text


@pytest.mark.slow
def test_an_unexpected_error_or_a_notebook_past_its_time_stops_the_build(tmp_path):
    path = scratch_notebook(tmp_path, "1", "{}['missing']", "2")
    with pytest.raises(NotebookFailed, match=r"scratch: .* cell 1 raised KeyError: 'missing'"):
        run_notebook(path, "scratch", cell_timeout=60, budget=120)
    path = scratch_notebook(tmp_path, "import time", "time.sleep(30)")
    with pytest.raises(NotebookFailed, match="stopped at its 3 s time limit"):
        run_notebook(path, "scratch", cell_timeout=60, budget=3)


# -- the built site --------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`make site` into a scratch folder, with this test run's venv."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "site", f"VENV={sys.prefix}",
         f"PYTHON={sys.executable}", f"DIST={out / 'dist'}", f"SITE_OUT={out / 'site'}"],
        capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, result.stdout.strip().splitlines()


@pytest.mark.slow
def test_make_site_prints_the_path_of_index_html_last(site):
    out, lines = site
    index = out / "site" / "html" / "index.html"
    assert lines[-1] == str(index)
    assert index.is_file()
    assert any(line.startswith("kit: ") for line in lines), "make site makes the kit first"


@pytest.mark.slow
def test_every_released_notebook_has_a_page_and_the_rest_are_not_published(site, course):
    out, _ = site
    html = out / "site" / "html"
    home = (html / "index.html").read_text(encoding="utf-8")
    for folder in course.released_assignments():
        for path in folder.glob("*.ipynb"):
            page = f"notebooks/{folder.name}/{path.stem}.html"
            assert (html / page).is_file()
            assert f'href="{page}"' in home
    released = {p.name[:2] for p in course.released_assignments()}
    for entry in planned(SYLLABUS):
        row = re.search(rf"<td><p>{entry.number}</p></td>(.*?)</tr>", home, re.S)
        assert row, f"no syllabus row for {entry.number}"
        assert (UNPUBLISHED in row.group(1)) == (entry.number not in released)


@pytest.mark.slow
def test_the_site_publishes_no_solution_and_no_hidden_test(site, secrets):
    out, _ = site
    hits, read = scan(out / "site" / "html", secrets)
    assert read > 10
    assert not hits, "\n".join(hits)


# -- the built site in Chromium --------------------------------------------------------


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    html = site[0] / "site" / "html"
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=html))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield html, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


IMAGES = """() => [...document.images].map(i => ({src: i.getAttribute('src'), done: i.complete,
    width: i.naturalWidth, menu: !!i.closest('.dropdown-menu'),
    area: i.getBoundingClientRect().width * i.getBoundingClientRect().height}))"""
LINKS = """() => [...document.querySelectorAll('a[href], link[href], script[src], img[src]')]
    .map(e => e.href || e.src)"""
WIDGET_STATE = "script[type='application/vnd.jupyter.widget-state+json']"


def block_external(context) -> list[str]:
    """Abort every request of ``context`` that leaves 127.0.0.1; return the list of them."""
    external: list[str] = []

    def route(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return external


def page_problems(page, url: str, external: list[str]) -> list[str]:
    """Open ``url`` as a first visit; every problem it shows, one line each."""
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    for image in page.evaluate(IMAGES):
        if not image["done"] or image["width"] == 0:
            problems.append(f"image not loaded: {image['src']}")
        elif image["area"] == 0 and not image["menu"]:  # a closed menu's icons are hidden
            problems.append(f"image not drawn: {image['src']}")
    if page.locator(WIDGET_STATE).count() and not page.locator(".jupyter-widgets").count():
        problems.append("widget state on the page, but no widget drawn")
    problems += [f"request leaving the machine (blocked): {u}" for u in external]
    return problems


@pytest.mark.slow
def test_every_page_loads_in_chromium_with_plots_widgets_and_links(served):
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    if executable is None:
        pytest.skip("Chromium is not installed (see tests/test_browser.py)")
    html, base = served
    pages = sorted(
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if not p.relative_to(html).parts[0].startswith("_")  # _static: theme fragments
    )
    problems, links, drawn = [], {}, {"images": 0, "widgets": 0}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            for path in pages:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                external = block_external(context)
                page = context.new_page()
                problems += [
                    f"{path}: {p}" for p in page_problems(page, f"{base}/{path}", external)
                ]
                drawn["images"] += page.locator("div.cell_output img").count()
                drawn["widgets"] += page.locator(".jupyter-widgets").count()
                for url in page.evaluate(LINKS):
                    if url.startswith(base):
                        links.setdefault(url, set()).add(path)
                context.close()
            request = browser.new_context().request
            for url, sources in sorted(links.items()):
                plain, fragment = urldefrag(url)
                where = f"link {url} (from {', '.join(sorted(sources))})"
                if (status := request.get(plain).status) != 200:
                    problems.append(f"{where}: HTTP {status}")
                    continue
                target = unquote(urlparse(plain).path).lstrip("/") or "index.html"
                if fragment and target.endswith(".html"):
                    text = (html / target).read_text(encoding="utf-8")
                    if f'id="{fragment}"' not in text:
                        problems.append(f"{where}: no #{fragment} there")
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
    assert len(pages) >= 7 and len(links) > 50
    assert drawn["images"] >= 4, "the notebooks' plots are not on their pages"
    assert drawn["widgets"] >= 1, "no widget was drawn"


def test_what_make_site_and_make_kit_write_is_git_ignored():
    for path in ("build/site/html/index.html", "dist/netcourse-0.1.0-py3-none-any.whl"):
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        assert ignored.returncode == 0, f"{path} is not git-ignored"
