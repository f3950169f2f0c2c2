"""The student kit: a wheel of netcourse and one zip per assignment, for an LMS or a download.

A student needs nothing else: ``pip install netcourse-*.whl`` (its dependencies
come from PyPI), unzip an assignment, ``netcourse lab`` in its folder. Each zip
holds one folder, ``<assignment>/``, with the release's notebooks and data
files, hidden files left out; nothing is read from solutions/.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..errors import UsageError
from .paths import Course
from .release import refuse_secrets

# What the wheel is built from: a clean copy of these, so no stale build/ or
# egg-info in the working tree can slip into it.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "src")
_JUNK = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*")


def build_wheel(course: Course, dist: Path) -> Path:
    """``pip wheel`` of the course's package into ``dist``; return the wheel."""
    with tempfile.TemporaryDirectory(prefix="netcourse-wheel-") as tmp:
        tree = Path(tmp) / "netcourse"
        tree.mkdir()
        for name in WHEEL_SOURCES:
            source = course.root / name
            if source.is_dir():
                shutil.copytree(source, tree / name, ignore=_JUNK)
            else:
                shutil.copy2(source, tree / name)
        built = Path(tmp) / "wheel"
        pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", built, tree]
        if subprocess.run(pip, stdin=subprocess.DEVNULL, check=False).returncode != 0:
            raise UsageError("pip could not build the netcourse wheel (its messages are above)")
        (wheel,) = built.glob("netcourse-*.whl")
        return Path(shutil.copy2(wheel, dist / wheel.name))


def zip_assignment(folder: Path, target: Path) -> Path:
    """``folder`` as ``target``, a zip of one folder named like it; refuses any secret."""
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(folder).parts)
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            if path.suffix == ".ipynb":
                refuse_secrets(path)
            archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return target


def build_kit(course: Course, dist: Path) -> list[Path]:
    """Write the wheel and a zip per released assignment into ``dist``; return them."""
    dist.mkdir(parents=True, exist_ok=True)
    for old in [*dist.glob("netcourse-*.whl"), *dist.glob("[0-9][0-9]-*.zip")]:
        old.unlink()
    kit = [build_wheel(course, dist)]
    for folder in course.released_assignments():
        kit.append(zip_assignment(folder, dist / f"{folder.name}.zip"))
    return kit
