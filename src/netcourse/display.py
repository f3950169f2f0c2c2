"""How the course shows a list of verdicts in a notebook: a small coloured HTML table."""

from __future__ import annotations

import html
from collections.abc import Iterable

COLOURS = {
    "passed": "#1a7f37",
    "ok": "#1a7f37",
    "failed": "#cf222e",
    "fail": "#cf222e",
    "warn": "#9a6700",
    "skipped": "#6e7781",
}


def verdict_table(rows: Iterable[tuple[str, str, str]]) -> str:
    """An HTML table of ``(verdict, name, detail)`` rows, the verdict in its colour."""
    cells = "".join(
        f"<tr><td style='color:{COLOURS.get(verdict, 'inherit')};font-weight:bold'>{verdict}</td>"
        f"<td><code>{html.escape(name)}</code></td>"
        f"<td style='text-align:left'>{html.escape(detail)}</td></tr>"
        for verdict, name, detail in rows
    )
    return f"<table>{cells}</table>"
