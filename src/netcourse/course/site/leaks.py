"""No solution and no hidden test is published: look for them in a built site.

What is looked for (the needles): every line of solutions/*/*.ipynb between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (and whole markdown answer
cells) or between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``,
longer than 12 characters, and the markers themselves. A line the student
release holds too (a stub's docstring, a worked example) is no secret, nor is
one the installed netcourse package holds (every student has it; see
``in_package``).

Where: every file of the site but ``_static/`` (theme assets; Sphinx puts
nothing of a page there) and the netcourse wheel (the installed package itself,
whose lines are no needles; it names the markers). HTML is read as text too
(tags stripped, entities decoded, so syntax highlighting cannot split a line),
JSON and notebooks as their decoded strings, zips member by member.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import netcourse

from ..paths import Course
from ..release import SECRET_MARKERS

MIN_LENGTH = 12
SKIPPED = ("_static/",)
TEXT_SUFFIXES = {".html", ".js", ".txt", ".ipynb", ".json", ".md", ".py", ".css", ".svg", ".xml"}
BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN = SECRET_MARKERS


@dataclass
class Needles:
    """The lines that must never be published, by kind."""

    solution: set[str] = field(default_factory=set)
    hidden_test: set[str] = field(default_factory=set)
    # secret lines the package holds itself: shipped to every student anyway
    in_package: set[str] = field(default_factory=set)

    def all(self) -> list[tuple[str, str]]:
        return [
            *(("solution", n) for n in sorted(self.solution)),
            *(("hidden test", n) for n in sorted(self.hidden_test)),
            *(("marker", m) for m in SECRET_MARKERS),
        ]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _sources(path: Path) -> Iterator[tuple[dict, str]]:
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = cell["source"]
        yield cell, "".join(source) if isinstance(source, list) else source


def _between(text: str, begin: str, end: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.strip().startswith(begin):
            inside = True
        elif line.strip().startswith(end):
            inside = False
        elif inside:
            lines.append(line)
    return lines


def needles(course: Course) -> Needles:
    """What the site must not hold, from the course's solutions/."""
    release = "\n".join(
        _norm(line)
        for path in course.release.glob("*/*.ipynb")
        for _, text in _sources(path)
        for line in text.splitlines()
    )
    release += "\n" + re.sub(r"[`*]", "", release)  # markdown as rendered: marks dropped
    package = "\n".join(
        _norm(line)
        for path in sorted(Path(netcourse.__file__).parent.rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    found = Needles()
    for path in course.source.glob("*/*.ipynb"):
        for cell, text in _sources(path):
            solution = _between(text, BEGIN_SOLUTION, END_SOLUTION)
            if cell["cell_type"] == "markdown" and cell.get("metadata", {}).get("nbgrader", {}).get(
                "solution"
            ):
                solution = text.splitlines()
            for kind, lines in (
                (found.solution, solution),
                (found.hidden_test, _between(text, BEGIN_HIDDEN, END_HIDDEN)),
            ):
                for line in map(_norm, lines):
                    if len(line) > MIN_LENGTH and line not in release:
                        (found.in_package if line in package else kind).add(line)
    return found


def _json_strings(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    parts: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            parts.append("".join(value))  # a notebook's source: a list of lines
        elif isinstance(value, list | dict):
            for v in value.values() if isinstance(value, dict) else value:
                walk(v)

    walk(data)
    return "\n".join(parts)


def _html_text(text: str) -> str:
    text = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", text, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def documents(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """``(name, normalised text)`` of a file, in each of its readings, archives opened."""
    suffix = Path(name).suffix.lower()
    if suffix == ".whl":
        return
    if suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from documents(f"{name}!{member}", archive.read(member))
        return
    if suffix not in TEXT_SUFFIXES:
        return
    text = data.decode("utf-8", errors="replace")
    yield name, _norm(text)
    if suffix == ".html":
        yield f"{name} (text)", _norm(_html_text(text))
    if suffix in {".ipynb", ".json"}:
        yield f"{name} (strings)", _norm(_json_strings(text))


def scan(site: Path, found: Needles) -> tuple[list[str], int]:
    """Every hit in the site as ``file: kind: line``, and how many documents were read."""
    hits, read = [], 0
    needles_all = found.all()
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        relative = path.relative_to(site).as_posix()
        if relative.startswith(SKIPPED):
            continue
        for name, text in documents(relative, path.read_bytes()):
            read += 1
            hits += [
                f"{name}: {kind}: {needle[:100]}" for kind, needle in needles_all if needle in text
            ]
    return hits, read
