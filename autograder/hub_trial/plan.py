"""What the hub trial is made of: its accounts, folders, packages and assignments.

Everything it creates is named here, so that cleanup can find all of it: four
Linux accounts whose names start with ``PREFIX`` and whose GECOS field is
``MARKER``, and three folders (``TRIAL_ROOT``, ``EXCHANGE_PARENT`` and the
accounts' homes).
"""

from __future__ import annotations

from pathlib import Path

TRIAL_ROOT = Path("/opt/nctrial")  # world-readable: the venv, the proxy, the course, this code
SRC = TRIAL_ROOT / "src"  # the course as a fresh clone has it
VENV = TRIAL_ROOT / "venv"
CHP_DIR = TRIAL_ROOT / "chp"
CODE = TRIAL_ROOT / "code"  # a copy of this package: the drive imports it
HUB_DIR = TRIAL_ROOT / "hub"  # root only: the hub's config, database, secrets and pid files
STATE = HUB_DIR / "state.json"  # what the drive needs to know: URLs, tokens, passwords
EXCHANGE_PARENT = Path("/srv/nctrial")
EXCHANGE = EXCHANGE_PARENT / "exchange"
LOCK = Path("/run/lock/netcourse-hub-trial.lock")  # one trial at a time on a machine

PREFIX = "nctrial-"
MARKER = "netcourse hub trial"  # the GECOS of every trial account: cleanup removes only these
INSTRUCTOR = PREFIX + "instructor"
STUDENTS = {PREFIX + "ann": "right", PREFIX + "bob": "blank", PREFIX + "cat": "wrong"}
ACCOUNTS = (INSTRUCTOR, *STUDENTS)
ASSIGNMENTS = ("00-welcome", "02-tcp-sockets")

# Debian's own interpreter: the default python3 here lives under /root (mode 0700),
# which the students' servers could not run.
BASE_PYTHON = "/usr/bin/python3.11"
CHROMIUM = "/usr/bin/chromium"
# The course package brings JupyterLab, Notebook and nbgrader; the hub and the driver's
# browser come on top.
HUB_PACKAGES = ("jupyterhub>=6,<7", "playwright>=1.40")
CHP_PACKAGE = "configurable-http-proxy@^5"
# What the trial needs from Debian, by the file that shows it is there.
APT_NEEDS = {
    "/usr/bin/npm": "npm",
    CHROMIUM: "chromium",
}
# The servers', the terminals' and the instructor's commands' PATH: the course's venv first.
SAFE_PATH = f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin"
