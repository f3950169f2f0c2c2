"""The steps a person takes in the browser: Debian's Chromium, driven by Playwright.

A student logs in on the hub's login page and fetches an assignment from the
Assignments tab; the instructor opens the formgrader's pages of grades.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .plan import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
WAIT_MS = 120_000  # each wait ends as soon as its condition holds


@contextmanager
def logged_in(hub_url: str, name: str, password: str, shots: Path) -> Iterator:
    """A page of a fresh browser, logged in to the hub through its PAM login form."""
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{hub_url}/hub/login")
            page.fill("#username_input", name)
            page.fill("#password_input", password)
            page.screenshot(path=str(shots / f"{name}-login.png"))
            page.click("#login_submit")
            page.wait_for_url(re.compile(rf".*/user/{re.escape(name)}/lab.*"))
            page.wait_for_selector(".jp-LabShell", state="attached")
            yield page
        finally:
            browser.close()


def fetch_in_assignments_tab(page, assignments: list[str], fetch: str, shots: Path) -> str:
    """Open Nbgrader > Assignment List, see every released assignment, click Fetch on one.

    Returns the version warning the tab shows, if any (nbgrader shows one when its
    lab extension and server extension disagree).
    """
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    released = page.locator("#released_assignments_list")
    for assignment in assignments:
        released.locator(".list_item", has_text=assignment).wait_for()
    warning = page.locator(".version_error")
    shown = warning.first.inner_text().strip() if warning.count() else ""
    page.screenshot(path=str(shots / "assignments-released.png"))
    released.locator(".list_item", has_text=fetch).locator("button", has_text="Fetch").click()
    # .first: the downloaded assignment's row contains its notebook's row
    page.locator("#fetched_assignments_list .list_item", has_text=fetch).first.wait_for()
    page.screenshot(path=str(shots / "assignment-fetched.png"))
    return shown


def formgrader_pages(page, base: str, students: list[str], assignment: str, shots: Path) -> dict:
    """The formgrader's Manage Students page (each student's total) and an assignment's
    gradebook page (its submissions, which it shows anonymised); opened directly, not in
    JupyterLab's iframe."""
    page.goto(f"{base}/formgrader/manage_students")
    for student in students:
        page.locator("td", has_text=student).first.wait_for()
    page.screenshot(path=str(shots / "formgrader-students.png"), full_page=True)
    rows = {
        s: " ".join(page.locator("tr", has_text=s).first.inner_text().split()) for s in students
    }
    page.goto(f"{base}/formgrader/gradebook/{assignment}/{assignment}")
    page.locator("td", has_text=f"Submission #{len(students)}").wait_for()
    page.screenshot(path=str(shots / "formgrader-gradebook.png"), full_page=True)
    return rows
