"""Shared fixtures: the course under test and helpers to run its notebooks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netcourse.course.paths import Course

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)


QUEUES_AND_POOLS = "05-queues-and-pools/05-queues-and-pools.ipynb"
COROUTINES = "06-coroutines/06-coroutines.ipynb"


def run_netcourse(
    *args: str, cwd: Path = ROOT, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run the ``netcourse`` command line as a user would, in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "netcourse", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from .three_ways import parametrize

    parametrize(metafunc)
