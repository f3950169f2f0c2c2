"""``netcourse lab``: JupyterLab on the course, or on any folder that holds notebooks.

Two kinds of lab, chosen from the folder ``netcourse lab`` runs in:

* a **course** (nbgrader_config.py beside solutions/, at the folder or above it):
  the server's root is the course, so nbgrader's formgrader works; the browser
  opens on notebooks/. The Assignments tab gets an exchange inside the course
  (``exchange/``, git-ignored), since a laptop has none at nbgrader's default.
* a **folder** of notebooks (an unpacked assignment, notebooks/ alone, a copy of
  the repository without solutions/): the server's root is that folder, and the
  parts of nbgrader that need a course or an exchange are off (formgrader, the
  course and assignment lists, Create Assignment); its Validate button stays.

Both start without JupyterLab's "official Jupyter news?" prompt. Every setting
comes from the folders under ``course/jupyter/`` in this package, put on
``JUPYTER_CONFIG_PATH`` for this server only (nothing is written to the user's
own Jupyter settings): ``all/`` (no news), and ``course/`` (the exchange) or
``folder/`` (nbgrader's lab plugins and server extensions for a course off).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .nbgrader import tool_env
from .paths import RELEASE_DIR, Course, course_above, find_course

# Jupyter config folders: all/ for every lab, course/ or folder/ for one kind (Binder's
# start script puts folder/ and all/ on the path too)
SETTINGS = Path(__file__).resolve().parent / "jupyter"
EXCHANGE_DIR = "exchange"


@dataclass(frozen=True)
class Lab:
    """What ``netcourse lab`` serves: a root folder, the page it opens, and for whom."""

    root: Path
    start: str  # a path under root ("" for the root itself)
    course: bool  # nbgrader's instructor and exchange parts on

    @property
    def config_path(self) -> list[Path]:
        """Jupyter config folders this lab adds, highest priority first."""
        return [SETTINGS / ("course" if self.course else "folder"), SETTINGS / "all"]


def course_lab(course: Course) -> Lab:
    """A lab on the whole course, opened on notebooks/."""
    return Lab(course.root, RELEASE_DIR, course=True)


def notebooks_in(folder: Path) -> list[Path]:
    """Notebooks in ``folder``, in its subfolders, and in its notebooks/ assignments."""
    patterns = ("*.ipynb", "*/*.ipynb", f"{RELEASE_DIR}/*/*.ipynb")
    found = {
        path
        for pattern in patterns
        for path in folder.glob(pattern)
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }
    return sorted(found)


def folder_lab(folder: Path, notebooks: list[Path]) -> Lab:
    """A lab on a folder of notebooks, opened on the notebook if it is the only one."""
    if len(notebooks) == 1:
        start = notebooks[0].relative_to(folder).as_posix()
    elif any(p.relative_to(folder).parts[0] == RELEASE_DIR for p in notebooks):
        start = RELEASE_DIR
    else:
        start = ""
    return Lab(folder, start, course=False)


def lab_for(folder: Path) -> Lab:
    """The lab for ``folder``: its course; else its own notebooks; else, for a
    developer, the course this package was installed from in editable mode."""
    folder = folder.resolve()
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    course = course_above(folder)
    if course is not None:
        return course_lab(course)
    notebooks = notebooks_in(folder)
    if notebooks:
        return folder_lab(folder, notebooks)
    try:
        return course_lab(find_course(folder))
    except UsageError:
        raise UsageError(
            f"no notebooks in {folder} and no course above it: unpack an assignment and run "
            "`netcourse lab` in its folder, or name the folder: netcourse lab FOLDER"
        ) from None


def lab_command(lab: Lab, port: int | None, open_browser: bool, extra: list[str]) -> list[str]:
    """The ``jupyter lab`` command line for ``lab``.

    A course is served from its root, not notebooks/: nbgrader's formgrader
    only works when the course root lies inside the server root.
    """
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={lab.root}",
        f"--LabApp.default_url=/lab/tree/{lab.start}".rstrip("/"),
    ]
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if not open_browser:
        command.append("--ServerApp.open_browser=False")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command + extra


def lab_env(lab: Lab) -> dict[str, str]:
    """The server's environment: this lab's settings first on JUPYTER_CONFIG_PATH."""
    paths = [str(p) for p in lab.config_path]
    if os.environ.get("JUPYTER_CONFIG_PATH"):
        paths.append(os.environ["JUPYTER_CONFIG_PATH"])
    env = {"JUPYTER_CONFIG_PATH": os.pathsep.join(paths)}
    if lab.course:
        # read by jupyter/course/nbgrader_config.py
        env["NETCOURSE_EXCHANGE"] = str(lab.root / EXCHANGE_DIR)
    return tool_env(env)


def run_lab(lab: Lab, port: int | None, open_browser: bool, extra: list[str]) -> int:
    """Run JupyterLab in the foreground until it exits (Ctrl-C stops it).

    On POSIX this process becomes JupyterLab, so signals reach it directly.
    """
    command = lab_command(lab, port, open_browser, extra)
    env = lab_env(lab)
    if lab.course:
        (lab.root / EXCHANGE_DIR).mkdir(exist_ok=True)
    # nbgrader's server extensions read nbgrader_config.py from the working directory.
    if os.name == "posix":
        os.chdir(lab.root)
        os.execve(command[0], command, env)
    with subprocess.Popen(command, cwd=lab.root, env=env) as process:
        try:
            return process.wait()
        except KeyboardInterrupt:
            # JupyterLab got the same Ctrl-C from the terminal and shuts down by itself.
            return process.wait()
