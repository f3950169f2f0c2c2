"""Running nbgrader in scratch course folders, so the real course is never touched."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..processes import kill_tree
from .paths import CONFIG_FILE, SOURCE_DIR, Course

IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ".DS_Store")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")
_BOILERPLATE = ("Please see the", "There was an error processing")


class NbgraderError(Exception):
    """An nbgrader command failed; the message is its most telling line."""


def make_scratch_course(course: Course, assignments: list[str], root: Path) -> Path:
    """A course folder at ``root`` with the course's config and the given assignments' sources."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(course.root / CONFIG_FILE, root / CONFIG_FILE)
    for assignment in assignments:
        shutil.copytree(course.source / assignment, root / SOURCE_DIR / assignment, ignore=IGNORED)
    return root


def last_error_line(log: str) -> str:
    """The most telling line of an nbgrader log: its last exception, else its last ERROR."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        if _EXCEPTION_LINE.match(line):
            return line
    errors = [
        line.split("] ", 1)[-1]
        for line in lines
        if "ERROR]" in line and not any(b in line for b in _BOILERPLATE)
    ]
    return (errors or lines or ["nbgrader failed without output"])[-1]


def tool_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Jupyter tools: this interpreter's scripts first on PATH.

    nbgrader runs the ``alembic`` script by name, which fails when the course's
    virtual environment is used without being activated.
    """
    scripts = str(Path(sys.executable).parent)
    path = scripts + os.pathsep + os.environ.get("PATH", "")
    return {**os.environ, "PATH": path, **(extra or {})}


def run_nbgrader(args: list[str], cwd: Path, timeout: float | None = None) -> str:
    """Run ``nbgrader ARGS`` in ``cwd`` and return its log; raise NbgraderError on failure."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd,
        env=tool_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    try:
        log, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(process.pid)
        process.communicate()
        raise NbgraderError(f"stopped after the {timeout:g} s wall-clock limit") from None
    except BaseException:
        kill_tree(process.pid)
        process.communicate()
        raise
    if process.returncode != 0:
        raise NbgraderError(last_error_line(log))
    return log
