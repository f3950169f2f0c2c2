"""Keeping the course package that grading kernels import as it was.

A submission runs with the grader's rights, so it could rewrite a module of
netcourse on disk, and every later kernel would import the rewritten checker.
So each worker gives its kernels a private copy of the package (first on
their PYTHONPATH), reads the copy before each submission, and afterwards
writes back whatever the submission changed. The copy is the worker's alone,
so a change is always the current submission's doing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import netcourse

PACKAGE = Path(netcourse.__file__).resolve().parent


def private_copy(folder: Path) -> Path:
    """Copy the package into ``folder``; return the directory to put on PYTHONPATH."""
    shutil.copytree(PACKAGE, folder / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


class PackageSnapshot:
    """The bytes of every file of a package, to compare against and restore from."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = {path: path.read_bytes() for path in self._files()}

    def _files(self) -> list[Path]:
        return sorted(
            p for p in self.root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        )

    def restore(self) -> list[str]:
        """Put back every changed, deleted or added file; name what had changed.

        Byte-code caches are removed too: kernels never write them (they run
        with PYTHONDONTWRITEBYTECODE), so one that appears was planted.
        """
        changed = []
        for cache in sorted(self.root.rglob("__pycache__")):
            shutil.rmtree(cache)
            changed.append(str(cache.relative_to(self.root)))
        for path, content in self.files.items():
            try:
                same = path.read_bytes() == content
            except OSError:
                same = False
            if not same:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
                changed.append(str(path.relative_to(self.root)))
        for path in self._files():
            if path not in self.files:
                path.unlink()
                changed.append(str(path.relative_to(self.root)))
        return changed
