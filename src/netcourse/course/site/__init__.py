"""The course site: the student release as a book of executed pages, built offline.

``build_site`` copies site/ (the Sphinx project: conf.py, the home page and
the other pages) and the student release into one source folder, runs every
notebook there one after another (``execute``), writes the syllabus and the
build's facts, renders it all with Sphinx, myst-nb and sphinx-book-theme
(notebooks are not executed again by myst-nb), and then checks that the
result holds no solution and no hidden test (``leaks``). The kit (a wheel and
a zip per assignment) is offered for download from the home page.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from ...errors import UsageError
from ..paths import Course
from .execute import Execution, NotebookFailed, run_notebook
from .leaks import needles, scan
from .prepare import copy_release
from .syllabus import planned, syllabus_table

SITE_DIR = "site"  # the Sphinx project in the course repository
SPHINX_MODULES = ("sphinx", "myst_nb", "sphinx_book_theme")


class SiteError(Exception):
    """The site could not be built, or must not be published; the message says why."""


@dataclass(frozen=True)
class SiteOptions:
    cell_timeout: float = 120.0  # seconds, as nbgrader's Execute.timeout
    notebook_budget: float = 300.0  # seconds for all of a notebook's cells
    repository_url: str = ""  # https://github.com/OWNER/REPO: Binder launch buttons


def build_site(
    course: Course,
    kit: Path,
    out: Path,
    options: SiteOptions = SiteOptions(),
    log: Callable[[str], None] = print,
) -> Path:
    """Build the site into ``out/html`` and return the path of its index.html."""
    missing = [m for m in SPHINX_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(
            f"the site needs {', '.join(missing)}: pip install -e '.[site]' (make site does it)"
        )
    wheels = sorted(kit.glob("netcourse-*.whl"))
    if not wheels:
        raise UsageError(f"no student kit in {kit}: run `netcourse kit` (make kit) first")
    source, html = out / "source", out / "html"
    for folder in (source, html, out / "doctrees"):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(course.root / SITE_DIR, source, ignore=shutil.ignore_patterns("_build", ".*"))
    released = copy_release(course, source / "notebooks")
    (source / "kit").mkdir()
    for path in [wheels[-1], *kit.glob("[0-9][0-9]-*.zip")]:
        shutil.copy2(path, source / "kit")
    executions = []
    for notebooks in released.values():
        for path in notebooks:
            name = path.relative_to(source).as_posix()
            try:
                record = run_notebook(path, name, options.cell_timeout, options.notebook_budget)
            except NotebookFailed as error:
                raise SiteError(str(error)) from None
            log(f"site: ran {name} in {record.seconds:.1f} s ({_shown(record)})")
            executions.append(record)
    generated = source / "_generated"
    generated.mkdir()
    kit_names = {p.name for p in (source / "kit").iterdir()}
    plan = planned(source / "syllabus.toml")
    (generated / "syllabus.md").write_text(
        syllabus_table(plan, released, kit_names, source), encoding="utf-8"
    )
    (generated / "kit.md").write_text(
        f"- the course's package: {{download}}`{wheels[-1].name} </kit/{wheels[-1].name}>`\n"
        "- an assignment: its zip in the syllabus's **download** column\n",
        encoding="utf-8",
    )
    (generated / "executions.md").write_text(_execution_table(executions), encoding="utf-8")
    facts = _facts(course, wheels[-1].name, options)
    (generated / "build.json").write_text(json.dumps(facts, indent=1), encoding="utf-8")
    _sphinx(source, html, out / "doctrees")
    for sourcemap in (html / "_static").rglob("*.map"):  # debugging aids, a third of the size
        sourcemap.unlink()
    found = needles(course)
    hits, read = scan(html, found)
    if hits:
        shutil.rmtree(html)
        raise SiteError(
            "the site would publish solutions or hidden tests; it was deleted:\n  "
            + "\n  ".join(hits)
        )
    log(
        f"site: no solution and no hidden test in {read} documents "
        f"({len(found.solution)} solution and {len(found.hidden_test)} hidden-test lines "
        "looked for)"
    )
    return html / "index.html"


def _shown(record: Execution) -> str:
    errors = ", ".join(f"{n} {name}" for name, n in sorted(record.errors.items()))
    return f"shows {errors}" if errors else "no errors"


def _execution_table(executions: list[Execution]) -> str:
    rows = [
        "| notebook | ran in | errors it shows (by design) | cells not run |",
        "|---|---|---|---|",
    ]
    for record in executions:
        errors = ", ".join(f"{name} × {n}" for name, n in sorted(record.errors.items())) or "none"
        rows.append(
            f"| `{record.notebook}` | {record.seconds:.1f} s | {errors} | {record.skipped} |"
        )
    return "\n".join(rows) + "\n"


def _facts(course: Course, wheel: str, options: SiteOptions) -> dict[str, str]:
    """What the pages say about this build; read by site/conf.py."""
    project = tomllib.loads((course.root / "pyproject.toml").read_text(encoding="utf-8"))
    commit = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"],
        cwd=course.root,
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "requires_python": project["project"]["requires-python"],
        "build_python": f"{platform.python_implementation()} {platform.python_version()}",
        "build_os": platform.system(),
        "netcourse_version": version("netcourse"),
        "commit": commit.stdout.strip() if commit.returncode == 0 else "",
        "wheel": wheel,
        "cell_timeout": f"{options.cell_timeout:g}",
        "notebook_budget": f"{options.notebook_budget:g}",
        "repository_url": options.repository_url,
    }


def _sphinx(source: Path, html: Path, doctrees: Path) -> None:
    """sphinx-build, every warning an error; raise SiteError with its warnings."""
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
         "-d", doctrees, source, html],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if result.returncode != 0:
        raise SiteError("sphinx-build failed:\n" + (result.stderr or result.stdout).strip())
