"""``netcourse lab``: JupyterLab on the course, opened at notebooks/."""

from __future__ import annotations

import os
import subprocess
import sys

from .nbgrader import tool_env
from .paths import RELEASE_DIR, Course


def lab_command(
    course: Course, port: int | None, open_browser: bool, extra: list[str]
) -> list[str]:
    """The ``jupyter lab`` command line for this course.

    The server's root is the course folder, not notebooks/: nbgrader's
    formgrader only works when the course root lies inside the server root.
    The browser opens on notebooks/, where students work.
    """
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={course.root}",
        f"--LabApp.default_url=/lab/tree/{RELEASE_DIR}",
    ]
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if not open_browser:
        command.append("--ServerApp.open_browser=False")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command + extra


def run_lab(course: Course, port: int | None, open_browser: bool, extra: list[str]) -> int:
    """Run JupyterLab in the foreground until it exits (Ctrl-C stops it).

    On POSIX this process becomes JupyterLab, so signals reach it directly.
    """
    command = lab_command(course, port, open_browser, extra)
    # nbgrader's server extensions read nbgrader_config.py from the working directory.
    if os.name == "posix":
        os.chdir(course.root)
        os.execve(command[0], command, tool_env())
    with subprocess.Popen(command, cwd=course.root, env=tool_env()) as process:
        try:
            return process.wait()
        except KeyboardInterrupt:
            # JupyterLab got the same Ctrl-C from the terminal and shuts down by itself.
            return process.wait()
