"""The README's commands work as written: every `sh` block runs, top to bottom, in one shell.

The shell starts in a scratch copy of the repository (a git repository of its
own, with this test run's venv as `.venv-3.11`), without the venv on PATH, as
a reader's shell would be; each block starts at the copy's root. A block the
test must not run (it serves until Ctrl-C, needs conda, is the test suite
itself, ...) carries ``<!-- not run by tests/test_readme.py: why, and what
covers it -->`` on the line above it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import ROOT

README = ROOT / "README.md"
NOT_RUN = re.compile(r"<!-- not run by tests/test_readme\.py: (?P<why>.+?) -->")
VENV_NAME = ".venv-3.11"  # the name the README's commands use


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, counted from 1
    commands: str
    not_run: str | None  # why not, when it is not run


def shell_blocks(text: str) -> list[Block]:
    """Every ```sh block of ``text``, with the reason it is not run, if it has one."""
    blocks, lines = [], text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```sh":
            end = lines.index("```", index + 1)
            marker = NOT_RUN.search(lines[index - 1]) if index else None
            commands = "\n".join(lines[index + 1 : end])
            blocks.append(Block(index + 1, commands, marker and marker["why"]))
            index = end
        index += 1
    return blocks


def test_every_block_is_run_or_says_why_not():
    blocks = shell_blocks(README.read_text(encoding="utf-8"))
    assert len([b for b in blocks if b.not_run is None]) >= 4
    stray = [m for m in NOT_RUN.finditer(README.read_text(encoding="utf-8"))]
    assert len(stray) == len([b for b in blocks if b.not_run]), "a marker stands above no block"


def scratch_repository(root: Path) -> Path:
    """The repository's files (committed or not, ignored ones left out), copied with mtimes."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    copy = root / "repository"
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    (copy / VENV_NAME).symlink_to(sys.prefix)
    return copy


def reader_env(root: Path) -> dict[str, str]:
    """A reader's environment: no venv active, Jupyter's folders fresh."""
    venv_bin = str(Path(sys.prefix) / "bin")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = path
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env[name] = str(root / name.lower())
    return env


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    copy = scratch_repository(root)
    script = ["set -euo pipefail"]
    for block in shell_blocks(README.read_text(encoding="utf-8")):
        if block.not_run is None:
            script += [f'cd "{copy}"', f'echo "::: README.md line {block.line}"', block.commands]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=copy, env=reader_env(root), capture_output=True, text=True,
        timeout=1500, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    output = result.stdout + result.stderr
    return copy, result.returncode, output


@pytest.mark.slow
def test_the_readme_commands_run_as_written(readme_run):
    copy, returncode, output = readme_run
    assert returncode == 0, (
        "a README command failed; the last ':::' line says where:\n"
        + "\n".join(output.splitlines()[-60:])
    )
    # what they promise, in the copy
    assert (copy / "report.json").is_file()
    assert sorted(p.name for p in (copy / "dist").glob("*.whl")) == [
        "netcourse-0.1.0-py3-none-any.whl"
    ]
    assert (copy / "feedback" / "ann" / "00-welcome" / "00-welcome.html").is_file()
    assert "00-welcome" in (copy / "grades.csv").read_text()
    assert (copy / ".git" / "hooks" / "pre-commit").is_file()


@pytest.mark.slow
def test_the_plain_nbgrader_route_gives_no_spurious_warnings(readme_run):
    _, _, output = readme_run
    route = output[output.index("[GenerateAssignmentApp") :]
    spurious = [
        line
        for line in route.splitlines()
        if "not recognized by `HideHiddenTests`" in line or "Attribute 'checksum'" in line
    ]
    assert not spurious, "\n".join(spurious)
