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
    shutil.copytree(course.root / SITE_DIR, source, ignore=shutil.ignore_patterns(".*"))
    released = copy_release(course, source / "notebooks")
    (source / "kit").mkdir()
    for path in [wheels[-1], *kit.glob("[0-9][0-9]-*.zip")]:
        shutil.copy2(path, source / "kit")
    executions = [
        _run(path, source, options, log) for notebooks in released.values() for path in notebooks
    ]
    _write_generated(course, source, released, executions, options)
    _sphinx(source, html, out / "doctrees")
    for sourcemap in (html / "_static").rglob("*.map"):  # debugging aids, a third of the size
        sourcemap.unlink()
    _refuse_leaks(course, html, log)
    return html / "index.html"


def _run(path: Path, source: Path, options: SiteOptions, log: Callable[[str], None]) -> Execution:
    name = path.relative_to(source).as_posix()
    try:
        record = run_notebook(path, name, options.cell_timeout, options.notebook_budget)
    except NotebookFailed as error:
        raise SiteError(str(error)) from None
    log(f"site: ran {name} in {record.seconds:.1f} s (errors shown: {record.errors_shown()})")
    return record


def _write_generated(
    course: Course,
    source: Path,
    released: dict[str, list[Path]],
    executions: list[Execution],
    options: SiteOptions,
) -> None:
    """_generated/: the syllabus, the kit's links, the run times, the facts conf.py reads."""
    generated = source / "_generated"
    generated.mkdir()
    kit = sorted(p.name for p in (source / "kit").iterdir())
    table = syllabus_table(planned(source / "syllabus.toml"), released, set(kit), source)
    (generated / "syllabus.md").write_text(table, encoding="utf-8")
    wheel = next(name for name in kit if name.endswith(".whl"))
    (generated / "kit.md").write_text(
        f"- the course's package: {{download}}`{wheel} </kit/{wheel}>`\n"
        "- an assignment: its zip in the syllabus's **download** column\n\n"
        "Then, in a terminal, in the folder you downloaded them to:\n\n"
        "```sh\n"
        "python3 -m venv course-venv\n"
        "source course-venv/bin/activate     # Windows: course-venv\\Scripts\\activate\n"
        f"pip install {wheel}\n"
        "python3 -m zipfile -e 00-welcome.zip .   # or unzip it\n"
        "cd 00-welcome\n"
        "netcourse doctor                    # is this machine ready?\n"
        "netcourse lab                       # JupyterLab on this folder\n"
        "```\n",
        encoding="utf-8",
    )
    rows = [
        "| notebook | ran in | errors it shows (by design) | cells not run |",
        "|---|---|---|---|",
    ]
    rows += [
        f"| [{Path(r.notebook).stem}]({r.notebook}) | {r.seconds:.1f} s | {r.errors_shown()} "
        f"| {r.skipped} |"
        for r in executions
    ]
    (generated / "executions.md").write_text("\n".join(rows) + "\n", encoding="utf-8")
    facts = json.dumps(_facts(course, options), indent=1)
    (generated / "build.json").write_text(facts, encoding="utf-8")


def _refuse_leaks(course: Course, html: Path, log: Callable[[str], None]) -> None:
    """Delete the site and stop if it holds a line of a solution or of a hidden test."""
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


def _facts(course: Course, options: SiteOptions) -> dict[str, str]:
    """What the pages say about this build; read by site/conf.py."""
    project = tomllib.loads((course.root / "pyproject.toml").read_text(encoding="utf-8"))
    try:
        git = ["git", "rev-parse", "--short=12", "HEAD"]
        commit = subprocess.run(git, cwd=course.root, capture_output=True, text=True, check=True)
        revision = commit.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        revision = "unknown: not built from a git checkout"
    return {
        "python_minimum": project["project"]["requires-python"].removeprefix(">="),
        "build_python": f"{platform.python_implementation()} {platform.python_version()}",
        "build_os": platform.system(),
        "netcourse_version": version("netcourse"),
        "commit": revision,
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
