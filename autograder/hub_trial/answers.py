"""What the trial's students hand in, what it must score, and how a page shows hidden tests.

Three students: one answers every exercise right, one hands in the notebook
blank, one makes realistic mistakes. The right answers are the solution
notebooks' own code, so the trial follows the course as it changes.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

# The score each kind of answer must get, per assignment.
EXPECTED = {
    "right": {"00-welcome": 2.0, "02-tcp-sockets": 9.0},
    "blank": {"00-welcome": 0.0, "02-tcp-sockets": 0.0},
    "wrong": {"00-welcome": 1.0, "02-tcp-sockets": 6.0},
}
# The wrong student's answers, by grade id; the other cells get the right answer.
# frame_line refuses only a trailing newline; the echo server answers one recv(1024)
# per client instead of echoing until the client is done.
WRONG = {
    "frame-line": (
        "def frame_line(text: str) -> bytes:\n"
        '    """Return ``text`` as one protocol line: its UTF-8 bytes followed by b"\\n"."""\n'
        '    if text.endswith("\\n"):\n'
        '        raise ValueError("a line cannot end with a newline")\n'
        '    return text.encode("utf-8") + b"\\n"\n'
    ),
    "blocking-echo-server": (
        "def serve(listener: socket.socket, stop: threading.Event) -> None:\n"
        '    """Echo each client in turn, until stop is set; then return."""\n'
        "    while not stop.is_set():\n"
        "        conn, _ = listener.accept()\n"
        "        with conn:\n"
        "            conn.sendall(conn.recv(1024))\n"
    ),
}
_SOLUTION_MARK = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
_SCORE = re.compile(r"\(Score:([\d.]+)/([\d.]+)\)")


def _cells(solutions: Path, assignment: str) -> list[dict]:
    notebook = solutions / assignment / f"{assignment}.ipynb"
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_bodies(solutions: Path, assignment: str) -> dict[str, str]:
    """grade id -> each answer cell's solution, without nbgrader's BEGIN/END SOLUTION lines."""
    bodies = {}
    for cell in _cells(solutions, assignment):
        if cell["cell_type"] == "code" and _nbgrader(cell).get("solution"):
            lines = "".join(cell["source"]).splitlines()
            body = [line for line in lines if not _SOLUTION_MARK.match(line)]
            bodies[_nbgrader(cell)["grade_id"]] = "\n".join(body) + "\n"
    return bodies


def answer(notebook: dict, kind: str, bodies: dict[str, str]) -> int:
    """Write a kind of answer into a fetched notebook; return how many cells it changed."""
    if kind == "blank":
        return 0
    changed = 0
    for cell in notebook["cells"]:
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in bodies and _nbgrader(cell).get("solution"):
            cell["source"] = (
                WRONG.get(grade_id, bodies[grade_id]) if kind == "wrong" else (bodies[grade_id])
            )
            changed += 1
    return changed


def hidden_lines(solutions: Path, assignment: str) -> list[str]:
    """The lines only hidden tests contain (16 characters or more, to be telling)."""
    cells = ["".join(cell["source"]) for cell in _cells(solutions, assignment)]
    visible = "\n".join(_HIDDEN.sub("", source) for source in cells)
    hidden = [
        line.strip()
        for source in cells
        for block in _HIDDEN.findall(source)
        for line in block.splitlines()
    ]
    return [line for line in hidden if len(line) >= 16 and line not in visible]


def page_text(page: str) -> str:
    """An HTML page's text with no whitespace at all (highlighting splits code into spans)."""
    text = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.DOTALL)
    return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", text)))


def hidden_shown(page: str, lines: list[str]) -> list[str]:
    """Which of the hidden lines (and nbgrader's hidden-test marker) a page shows."""
    text = page_text(page)
    shown = [line for line in lines if re.sub(r"\s+", "", line) in text]
    return shown + (["### BEGIN HIDDEN TESTS"] if "BEGINHIDDENTESTS" in text else [])


def score_shown(page: str) -> tuple[float, float] | None:
    """The (score, out of) a feedback page's header shows."""
    match = _SCORE.search(page_text(page))
    return (float(match.group(1)), float(match.group(2))) if match else None
