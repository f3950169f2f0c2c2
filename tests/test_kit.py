"""The student kit, used as a student with no repository would: `make kit`, then a fresh venv.

One `pip install` of the wheel, one assignment unzipped into an empty folder
(no solutions/, no nbgrader_config.py), `netcourse doctor` there, and
`netcourse lab` there: JupyterLab opens on the notebook, asks nothing about
news, shows no nbgrader menu, and its Validate runs the notebook in the
student's kernel. The same venv then plays Binder: the repository's `start`
in front of plain `jupyter lab` gives it the same settings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT
from .lab_server import (
    TOKEN,
    assert_no_news_prompt,
    page_config,
    post,
    running_lab,
    status_of,
)
from .test_browser import CHROMIUM_ARGS, chromium_executable

pytestmark = pytest.mark.slow

ASSIGNMENT = "02-tcp-sockets"  # a notebook with a data file beside it
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("kit") / "dist"
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "kit", f"VENV={sys.prefix}",
         f"PYTHON={sys.executable}", f"DIST={dist}"],
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return dist


@pytest.fixture(scope="module")
def student(kit, tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """A fresh venv with the wheel installed, and a folder holding one unzipped assignment."""
    home = tmp_path_factory.mktemp("student")
    venv = home / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", venv], check=True, timeout=300)
    (wheel,) = kit.glob("netcourse-*.whl")
    install = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel],
        capture_output=True, text=True, timeout=1500, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    work = home / "work"
    work.mkdir()
    with zipfile.ZipFile(kit / f"{ASSIGNMENT}.zip") as archive:
        archive.extractall(work)
    # a first start: no Jupyter settings of the student's own, none of this machine's
    jupyter = {name: str(home / name.lower()) for name in (
        "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR",
    )}  # fmt: skip
    env = {**os.environ, **jupyter, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    return venv, work, env


def test_the_kit_is_a_wheel_and_a_zip_per_released_assignment(kit, course):
    released = course.released_assignments()
    assert sorted(p.name for p in kit.iterdir()) == sorted(
        ["netcourse-0.1.0-py3-none-any.whl", *(f"{p.name}.zip" for p in released)]
    )
    for folder in released:
        with zipfile.ZipFile(kit / f"{folder.name}.zip") as archive:
            names = set(archive.namelist())
        files = {
            f"{folder.name}/{p.relative_to(folder).as_posix()}"
            for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.parts)
        }
        assert names == files


def test_the_wheel_holds_the_package_and_its_lab_settings(kit):
    (wheel,) = kit.glob("netcourse-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "netcourse/course/jupyter/all/labconfig/default_setting_overrides.json" in names
    assert "netcourse/course/jupyter/folder/labconfig/page_config.json" in names
    assert "netcourse/course/jupyter/folder/jupyter_server_config.json" in names
    assert "netcourse/course/jupyter/course/nbgrader_config.py" in names
    assert not [n for n in names if n.startswith(("solutions/", "notebooks/", "tests/"))]


def test_netcourse_doctor_works_in_the_students_folder(student):
    venv, work, env = student
    result = subprocess.run(
        [venv / "bin" / "netcourse", "doctor"],
        cwd=work / ASSIGNMENT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verdict: ready" in result.stdout


@pytest.fixture(scope="module")
def lab(student):
    venv, work, env = student
    netcourse = (str(venv / "bin" / "netcourse"),)
    with running_lab(work, env=env, netcourse=netcourse, folder=True) as (url, log):
        yield url, log


def test_netcourse_lab_opens_the_students_notebook_with_nbgrader_for_students_only(lab):
    url, log = lab
    assert any(f"/lab/tree/{NOTEBOOK}" in line for line in log), "".join(log)
    disabled = set(page_config(url)["disabledExtensions"])
    assert {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"} <= disabled
    assert_no_news_prompt(url)


def test_validate_runs_the_notebook_in_the_students_kernel(lab):
    url, log = lab
    _, body = post(f"{url}/assignments/validate", {"path": NOTEBOOK})
    result = json.loads(body)
    assert result["success"], result
    assert "NotAttempted" in json.dumps(result["value"]), result
    assert not [line for line in log if "No nbgrader_config.py" in line]


def test_the_student_sees_no_news_prompt_and_no_exchange_error_in_chromium(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    if executable is None:
        pytest.skip("Chromium is not installed (see tests/test_browser.py)")
    url, log = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={TOKEN}", timeout=180_000)
            page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell", timeout=180_000)
            # the news prompt shows a few seconds after the page is ready
            page.wait_for_timeout(5000)
            text = page.inner_text("body")
            menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
            page.screenshot(path=str(tmp_path / "student-lab.png"))
        finally:
            browser.close()
    assert "Jupyter news" not in text
    assert "exchange directory" not in text
    assert "Nbgrader" not in menus and "Run" in menus
    assert not errors, errors
    assert not [line for line in log if "exchange" in line.lower()]


@pytest.fixture(scope="module")
def binder_lab(student, tmp_path_factory):
    """What Binder runs, as far as it runs here: `start jupyter lab` in the repository."""
    venv, _, env = student
    repository = tmp_path_factory.mktemp("binder") / "repository"
    repository.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", repository)
    for tree in ("solutions", "notebooks"):
        shutil.copytree(ROOT / tree, repository / tree)
    command = ("bash", str(ROOT / "start"), str(venv / "bin" / "jupyter"))
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with running_lab(repository, *as_root, env=env, netcourse=command, folder=True) as started:
        yield started


def test_binders_start_gives_plain_jupyter_lab_the_students_settings(binder_lab):
    url, log = binder_lab
    assert status_of(f"{url}/lab/tree/notebooks/00-welcome/00-welcome.ipynb") == 200
    assert_no_news_prompt(url)
    disabled = set(page_config(url)["disabledExtensions"])
    assert {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"} <= disabled
    assert status_of(f"{url}/assignments") == 404
    assert not [line for line in log if "formgrader" in line and "successfully loaded" in line]
    assert any("validate_assignment" in line and "successfully loaded" in line for line in log)
