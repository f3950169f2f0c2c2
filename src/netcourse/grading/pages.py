"""Feedback pages as they leave the scratch course: no script can run, a size cap, nbgrader's files.

The pages are rendered by nbgrader outside the sandbox, with nbconvert's
sanitizer (feedback.py); each also gets a Content-Security-Policy that lets
no script run at all, from any source, so a page stays inert even if
something slipped through. Only the pages of the assignment's notebooks go
back, within a size cap, with the two files nbgrader's ``release_feedback``
needs from the submission folder.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

# Files nbgrader's release_feedback needs beside the pages (from the submission).
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
FEEDBACK_CAP = 20 * 2**20  # bytes of pages one submission's feedback may hold
CSP = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline' data:; img-src data:; font-src data:\">"
)


def _with_csp(page: str) -> str:
    head = re.search(r"<head[^>]*>", page, re.IGNORECASE)
    at = head.end() if head else 0
    return page[:at] + CSP + page[at:]


def _omitted_page(name: str, size: int) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{CSP}"
        f"<title>{html.escape(name)}</title></head><body>"
        f"<p>The feedback page {html.escape(name)} is {size / 2**20:.1f} MiB, over the "
        f"{FEEDBACK_CAP >> 20} MiB limit of a submission's feedback, so it is not returned: "
        "ask your instructor for it.</p></body></html>\n"
    )


def publish(source: Path, target: Path, pages: list[str], submitted: Path | None) -> None:
    """Copy a submission's feedback pages from ``source`` to ``target``, safely.

    Only the pages of the assignment's notebooks go, each with a policy that
    lets no script run, within :data:`FEEDBACK_CAP` bytes in all (a page over
    it is replaced by one that names it); nbgrader's ``timestamp.txt`` and
    ``submission_secret.txt`` come from the submission folder ``submitted``.
    """
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    room = FEEDBACK_CAP
    for name in pages:
        page = source / name
        if not page.is_file() or page.is_symlink():
            continue
        size = page.stat().st_size
        if size > room:
            (target / name).write_text(_omitted_page(name, size), encoding="utf-8")
            continue
        room -= size
        text = page.read_text(encoding="utf-8", errors="replace")
        (target / name).write_text(_with_csp(text), encoding="utf-8")
    copy_nbgrader_files(submitted, target)


def copy_nbgrader_files(submitted: Path | None, target: Path) -> None:
    """Copy nbgrader's ``timestamp.txt`` and ``submission_secret.txt`` from a submission folder."""
    if submitted is None:
        return
    for name in NBGRADER_FILES:
        path = submitted / name
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 4096:
            shutil.copyfile(path, target / name)


def write_error_page(path: Path, assignment: str, score: str, reason: str) -> None:
    """Feedback for a submission that could not be graded: the score and the reason."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{CSP}"
        f"<title>{html.escape(assignment)}: feedback</title></head><body>"
        f"<h1>{html.escape(assignment)}</h1><p>Score: {html.escape(score)}</p>"
        f"<p>Your submission could not be graded: {html.escape(reason)}</p>"
        "</body></html>\n",
        encoding="utf-8",
    )
