"""The grading run's scratch folder, gone however the run ends.

The scratch folder holds every student's notebooks and gradebook copy while
they are graded. A run that ends normally (or by Ctrl-C or SIGTERM) removes
it on the way out; a run that is killed outright (SIGKILL, the OOM killer)
cannot, so a small janitor process waits on a pipe that only the grader holds
open. When the grader is gone, however it went, the pipe closes, and the
janitor kills the grader's workers, removes what their sandboxes left
(folders, control groups) and then the scratch folder.

    python -m netcourse.grading.scratch FOLDER [--keep]   (started by ScratchFolder)
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WORKERS_DIR = "workers"
WORKER_MODULE = "netcourse.grading.nbgrader_worker"


class ScratchFolder:
    """A temporary folder for one grading run, with its janitor; ``keep`` leaves the files."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self.path = Path(tempfile.mkdtemp(prefix="netcourse-grade-"))
        argv = [sys.executable, "-m", "netcourse.grading.scratch", str(self.path)]
        self._janitor = subprocess.Popen(
            [*argv, *(["--keep"] if keep else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal must not take it first
        )

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Clean up now, and let the janitor go."""
        clean(self.path, self.keep)
        with contextlib.suppress(OSError):
            self._janitor.stdin.close()
        try:
            self._janitor.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._janitor.kill()
            self._janitor.wait()


def clean(folder: Path, keep: bool) -> None:
    """Kill the run's workers, remove what their sandboxes left, and the folder (unless kept)."""
    import psutil

    from ..processes import kill_tree
    from .nbgrader_worker import KERNELS_DIR
    from .sandbox import sweep
    from .worker_client import PID_FILE

    for pid_file in sorted(folder.glob(f"{WORKERS_DIR}/*/{PID_FILE}")):
        with contextlib.suppress(ValueError, OSError, psutil.Error):
            pid = int(pid_file.read_text())
            if WORKER_MODULE in " ".join(psutil.Process(pid).cmdline()):
                kill_tree(pid)
    for kernels in sorted(folder.glob(f"{WORKERS_DIR}/*/{KERNELS_DIR}")):
        sweep(kernels)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    folder, keep = Path(sys.argv[1]), "--keep" in sys.argv[2:]
    sys.stdin.buffer.read()  # returns at end of file: the grader closed its end, or died
    if folder.exists():
        clean(folder, keep)


if __name__ == "__main__":
    main()
