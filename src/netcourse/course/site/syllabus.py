"""The home page's syllabus: every planned notebook, linked once its release exists.

The plan is ``site/syllabus.toml``: number, topic and what the notebook is
about, for every notebook of the course. An entry whose assignment folder
``notebooks/NN-*/`` exists links to its page (and to its zip in the kit); the
others say "not published yet", so the site picks a notebook up as soon as it
is released. A released notebook the plan does not list is added at the end.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    number: str
    topic: str
    about: str


def planned(path: Path) -> list[Entry]:
    """The entries of syllabus.toml, in course order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return sorted(
        (Entry(e["number"], e["topic"], e["about"]) for e in data["notebook"]),
        key=lambda e: e.number,
    )


def syllabus_table(
    plan: list[Entry], released: dict[str, list[Path]], kit: set[str], source: Path
) -> str:
    """A Markdown table of the plan; ``released`` maps an assignment to its notebook copies."""
    by_number = {name[:2]: name for name in released}
    entries = plan + [
        Entry(name[:2], name[3:].replace("-", " "), "")
        for number, name in by_number.items()
        if number not in {e.number for e in plan}
    ]
    rows = ["| # | notebook | what you will build or measure | download |", "|---|---|---|---|"]
    for entry in sorted(entries, key=lambda e: e.number):
        name = by_number.get(entry.number)
        if name is None:
            rows.append(
                f"| {entry.number} | {entry.topic} *(not published yet)* | {entry.about} | |"
            )
            continue
        pages = " · ".join(
            f"[{entry.topic if i == 0 else path.stem}]({path.relative_to(source).as_posix()})"
            for i, path in enumerate(released[name])
        )
        zip_name = f"{name}.zip"
        download = f"{{download}}`{zip_name} </kit/{zip_name}>`" if zip_name in kit else ""
        rows.append(f"| {entry.number} | {pages} | {entry.about} | {download} |")
    return "\n".join(rows) + "\n"
