"""The course on the hub: nbgrader's exchange, the config every user reads, the instructor's
course and the students' settings. Each file here is one a university hub's admins would
write too; the runbook (autograder/README.md) gives them."""

from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path

from .machine import run, write_as
from .plan import ACCOUNTS, EXCHANGE, EXCHANGE_PARENT, INSTRUCTOR, SRC, STUDENTS, VENV

# Students get the Assignments tab only.
STUDENT_LAB_OFF = ("formgrader", "course-list", "create-assignment")
STUDENT_SERVER_OFF = ("formgrader", "course_list")


def course_id() -> str:
    """The course id that the repository's nbgrader_config.py sets."""
    for line in (SRC / "nbgrader_config.py").read_text().splitlines():
        if line.startswith("c.CourseDirectory.course_id"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise RuntimeError("no c.CourseDirectory.course_id in nbgrader_config.py")


def global_nbgrader_config() -> str:
    """What /etc/jupyter/nbgrader_config.py holds on a hub: the exchange and who sees what."""
    return (
        "# written by the netcourse hub trial: every user's nbgrader reads this\n"
        "from nbgrader.auth import JupyterHubAuthPlugin\n\n"
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(EXCHANGE)!r}\n"
        "# students see the courses of their hub groups nbgrader-<course_id>,\n"
        "# instructors those of formgrade-<course_id>\n"
        "c.Authenticator.plugin_class = JupyterHubAuthPlugin\n"
        "c.Exchange.path_includes_course = True  # nbgrader requires it with that plugin\n"
    )


def exchange_and_global_config() -> None:
    """nbgrader's exchange on a shared folder, and the config every user's Jupyter reads.

    The venv's etc/jupyter is on every user's Jupyter config path, so it plays the
    part of /etc/jupyter on a university hub, and goes away with the venv.
    """
    EXCHANGE.mkdir(parents=True, exist_ok=True)
    os.chmod(EXCHANGE_PARENT, 0o755)
    os.chmod(EXCHANGE, 0o777)  # nbgrader: the exchange "must be readable and writable by all"
    etc = VENV / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(global_nbgrader_config())
    # A JupyterLab terminal under a spawner runs `bash -l`, and Debian's /etc/profile resets
    # PATH: the venv drops out of it ("netcourse: command not found"). A plain bash keeps the
    # server's PATH. (In this file itself: jupyter_server_config.d/ is read only for
    # jpserver_extensions.)
    terminal = {"ServerApp": {"terminado_settings": {"shell_command": ["/bin/bash"]}}}
    (etc / "jupyter_server_config.json").write_text(json.dumps(terminal, indent=2))
    run(["chmod", "-R", "a+rX", str(etc)])


def instructor_course(course: str) -> Path:
    """The instructor's course folder: the repository's nbgrader_config.py and solutions/.

    The formgrader runs in the instructor's server, whose working folder is the home,
    so ~/.jupyter/nbgrader_config.py points nbgrader at the course and loads the
    course's own config from there (as nbgrader's JupyterHub demos do).
    """
    account = pwd.getpwnam(INSTRUCTOR)
    root = Path(account.pw_dir) / course
    root.mkdir()
    shutil.copy2(SRC / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(SRC / "solutions", root / "solutions")
    run(["chown", "-R", f"{account.pw_uid}:{account.pw_gid}", str(root)])
    write_as(
        INSTRUCTOR,
        Path(account.pw_dir) / ".jupyter" / "nbgrader_config.py",
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"load_subconfig({str(root / 'nbgrader_config.py')!r})  # noqa: F821\n",
    )
    return root


def student_settings() -> None:
    """Students get the Assignments tab, not the formgrader, course list or create-assignment.

    The files `jupyter labextension disable --level=user` would write; for the server
    side, `jupyter server extension disable --user` refuses ("could not be found"),
    since it looks for the extension in ~/.jupyter only, so the override is written
    directly. The drive checks that students' servers answer 404 on /formgrader.
    """
    for name in STUDENTS:
        jupyter = Path(pwd.getpwnam(name).pw_dir) / ".jupyter"
        lab_off = {f"@jupyter/nbgrader:{ext}": True for ext in STUDENT_LAB_OFF}
        write_as(
            name,
            jupyter / "labconfig" / "page_config.json",
            json.dumps({"disabledExtensions": lab_off}, indent=2),
        )
        server_off = {f"nbgrader.server_extensions.{ext}": False for ext in STUDENT_SERVER_OFF}
        write_as(
            name,
            jupyter / "jupyter_server_config.json",
            json.dumps({"ServerApp": {"jpserver_extensions": server_off}}, indent=2),
        )
    no_news = {"fetchNews": "false", "checkForUpdates": False}  # no pop-up over the page
    for name in ACCOUNTS:
        settings = Path(pwd.getpwnam(name).pw_dir) / ".jupyter" / "lab" / "user-settings"
        write_as(
            name,
            settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
            json.dumps(no_news),
        )
