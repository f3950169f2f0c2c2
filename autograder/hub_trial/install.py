"""Installing the trial: the course as a fresh clone has it, a venv every account can run,
configurable-http-proxy from npm, and the few Debian packages it needs."""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from pathlib import Path

from .machine import run
from .plan import (
    APT_NEEDS,
    BASE_PYTHON,
    CHP_DIR,
    CHP_PACKAGE,
    CHROMIUM,
    CODE,
    HUB_PACKAGES,
    SRC,
    TRIAL_ROOT,
    VENV,
)

WORK_TREE_JUNK = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "__pycache__",
    "*.pyc",
    "gradebook.db",
    ".pytest_cache",
    ".ruff_cache",
    "test-artifacts",
    "submitted",
    "autograded",
    "feedback",
    "release",
    "grades.*",
)


def apt_install(packages: list[str], log: Path) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], log=log, env=env, timeout=600)
    run(["apt-get", "install", "-y", "-q", *packages], log=log, env=env, timeout=900)


def debian_packages(logs: Path) -> list[str]:
    """Install what is missing of npm, Chromium and python3.11-venv; return what was installed."""
    missing = [package for path, package in APT_NEEDS.items() if not Path(path).exists()]
    if not Path(BASE_PYTHON).exists():
        missing.append("python3.11")
    if (
        not Path(BASE_PYTHON).exists()
        or run([BASE_PYTHON, "-c", "import ensurepip"], check=False).returncode
    ):
        missing.append("python3.11-venv")
    if missing:
        apt_install(missing, logs / "apt.log")
    return missing


def snapshot(source: Path, work_tree: bool) -> str:
    """Copy the course to SRC: its committed HEAD (what a fresh clone has) or its work tree."""
    shutil.rmtree(SRC, ignore_errors=True)
    SRC.mkdir(parents=True)
    if work_tree or not (source / ".git").exists():
        shutil.copytree(source, SRC, dirs_exist_ok=True, ignore=WORK_TREE_JUNK)
        described = f"the work tree of {source}"
    else:
        archive = TRIAL_ROOT / "src.tar"
        run(["git", "-C", str(source), "archive", "--format=tar", "-o", str(archive), "HEAD"])
        with tarfile.open(archive) as tar:
            tar.extractall(SRC, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        archive.unlink()
        commit = run(["git", "-C", str(source), "rev-parse", "--short", "HEAD"]).stdout.strip()
        dirty = run(["git", "-C", str(source), "status", "--porcelain", "--untracked-files=no"])
        described = f"commit {commit} of {source}" + (
            " (uncommitted changes left out: --work-tree takes them)" if dirty.stdout else ""
        )
    run(["chmod", "-R", "a+rX,go-w", str(SRC)])
    return described


def copy_trial_code() -> None:
    """This package where every account can import it (the drive's code)."""
    shutil.rmtree(CODE, ignore_errors=True)
    shutil.copytree(Path(__file__).parent, CODE / "hub_trial", ignore=WORK_TREE_JUNK)
    run(["chmod", "-R", "a+rX,go-w", str(CODE)])


def venv(logs: Path) -> None:
    """A venv made by Debian's Python with the hub, the driver's browser and the course package.

    The course is installed as a copy, not editable: the students' servers import
    it, and they cannot read the instructor's or root's folders. A venv kept from
    an earlier run (--keep-env) gets the course anew.
    """
    kept = (VENV / "bin" / "python").exists()
    if not kept:
        run([BASE_PYTHON, "-m", "venv", str(VENV)], log=logs / "pip.log")
    pip = [f"{VENV}/bin/pip", "install", "--quiet"]
    run([*pip, *HUB_PACKAGES, str(SRC)], log=logs / "pip.log", timeout=900)
    if kept:
        run([*pip, "--force-reinstall", "--no-deps", str(SRC)], log=logs / "pip.log")
    run([f"{VENV}/bin/pip", "check"], log=logs / "pip.log", check=False)
    run(["chmod", "-R", "a+rX", str(VENV)])


def proxy(logs: Path) -> None:
    """configurable-http-proxy from npm, in a folder of the trial's own."""
    if not (CHP_DIR / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        CHP_DIR.mkdir(parents=True, exist_ok=True)
        run(
            [
                "npm",
                "install",
                "--prefix",
                str(CHP_DIR),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                CHP_PACKAGE,
            ],
            log=logs / "npm.log",
            timeout=600,
        )
    run(["chmod", "-R", "a+rX", str(CHP_DIR)])


def versions() -> dict[str, str]:
    """The versions the trial ran with, for its log and results."""
    packages = [
        "jupyterhub",
        "jupyterlab",
        "notebook",
        "nbgrader",
        "jupyter_server",
        "ipykernel",
        "nbconvert",
        "SQLAlchemy",
        "playwright",
        "netcourse",
    ]
    code = (
        "import importlib.metadata as m, json, sys; "
        f"print(json.dumps({{p: m.version(p) for p in {packages!r}}}))"
    )
    found = json.loads(run([f"{VENV}/bin/python", "-c", code]).stdout)
    package = CHP_DIR / "node_modules" / "configurable-http-proxy" / "package.json"
    found["configurable-http-proxy"] = json.loads(package.read_text())["version"]
    found["node"] = run(["node", "--version"]).stdout.strip()
    found["python"] = run([f"{VENV}/bin/python", "--version"]).stdout.split()[-1]
    found["chromium"] = run([CHROMIUM, "--version"], check=False).stdout.strip()
    return found
