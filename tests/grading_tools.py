"""Helpers for the tests that grade submissions end to end."""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

from .conftest import ROOT


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def hidden_lines(assignment: str) -> list[str]:
    """The lines that only the hidden tests of an assignment's solution notebook contain."""
    text = (ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")
    region = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
    hidden, visible = set(), set()
    for cell in json.loads(text)["cells"]:
        source = "".join(cell["source"])
        hidden |= {line.strip() for part in region.findall(source) for line in part.splitlines()}
        visible |= {line.strip() for line in region.sub("", source).splitlines()}
    # a hidden line that is part of a visible one (`check(` of `report = check(`) hides nothing
    shown = "\n".join(visible)
    return sorted(line for line in hidden - visible if len(line) > 12 and line not in shown)


def assert_feedback_hides_hidden_tests(feedback: Path, assignments: list[str]) -> None:
    """No feedback page shows a line that only a hidden test contains."""
    for assignment in assignments:
        secrets = hidden_lines(assignment)
        assert secrets, f"{assignment} has no hidden tests"
        for page in feedback.glob(f"*/{assignment}/*.html"):
            text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
            for line in secrets:
                assert line not in text, f"{page} shows a hidden test line: {line}"
