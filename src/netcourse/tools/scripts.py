"""Running a short program as a program of its own, in a fresh interpreter, to see what it prints.

Some behaviour only shows in a whole program: what happens to daemon threads
and processes when the main program ends, or why multiprocessing needs
``if __name__ == "__main__":``. ``run`` writes the source to a file in a
scratch folder (so that ``spawn`` can import it again as the main module)
and runs it with this kernel's Python.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TIMEOUT = 60.0


def run(source: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """Run ``source`` as ``program.py`` and return the finished process (output as text).

    The run waits until nothing holds the program's output open any more, so a
    child process that outlives the program is waited for too (within ``timeout``).
    """
    with tempfile.TemporaryDirectory(prefix="netcourse-") as folder:
        program = Path(folder) / "program.py"
        program.write_text(textwrap.dedent(source), encoding="utf-8")
        return subprocess.run(
            [sys.executable, str(program)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=folder,
        )


def show(source: str, timeout: float = TIMEOUT) -> None:
    """Run ``source`` (see :func:`run`) and print what it printed and how it ended."""
    done = run(source, timeout)
    print(done.stdout, end="")
    if done.stderr:
        print("--- on stderr:\n" + done.stderr, end="")
    print(f"--- exit status {done.returncode}")
