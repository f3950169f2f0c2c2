"""Running a program that starts processes from a file, so that its children can import it.

``nc.scripts.run`` runs a program with ``python -c``: it has no file, so a child
started with spawn (Windows, macOS) or forkserver (Linux from Python 3.14)
cannot import the program again to find the function it is to run. ``run``
writes the program to ``program.py`` in a scratch folder and runs that file as
``__main__``, as ``python program.py`` would, through ``nc.scripts.run``.
"""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from . import scripts

__all__ = ["run"]


def run(source: str, timeout: float = scripts.RUN_TIMEOUT) -> str:
    """Run ``source`` as the file ``program.py``; return what it printed, as ``nc.scripts.run``."""
    with tempfile.TemporaryDirectory(prefix="netcourse-") as folder:
        program = Path(folder) / "program.py"
        program.write_text(textwrap.dedent(source), encoding="utf-8")
        launch = f"import runpy\nrunpy.run_path({str(program)!r}, run_name='__main__')"
        return scripts.run(launch, timeout)
