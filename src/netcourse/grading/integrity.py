"""Keeping the course package on disk as it was when grading began.

A submission runs with the grader's rights, so it could rewrite an installed
module of netcourse, and every later student's kernel would import the
rewritten checker. The worker reads the package before each submission,
checks it afterwards, and writes back whatever the submission changed.
"""

from __future__ import annotations

from pathlib import Path

import netcourse

PACKAGE = Path(netcourse.__file__).resolve().parent


class PackageSnapshot:
    """The bytes of every source file of a package, to compare against and restore from."""

    def __init__(self, root: Path = PACKAGE) -> None:
        self.root = root
        self.files = {path: path.read_bytes() for path in self._sources()}

    def _sources(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*.py") if "__pycache__" not in p.parts)

    def restore(self) -> list[str]:
        """Put back every changed, deleted or added source file; name what had changed."""
        changed = []
        for path, content in self.files.items():
            try:
                same = path.read_bytes() == content
            except OSError:
                same = False
            if not same:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
                changed.append(str(path.relative_to(self.root)))
        for path in self._sources():
            if path not in self.files:
                path.unlink()
                changed.append(str(path.relative_to(self.root)))
        return changed
