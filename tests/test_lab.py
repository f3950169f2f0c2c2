"""`netcourse lab` on the course (nbgrader whole) and on a folder of notebooks (a student's).

Neither asks about "official Jupyter news", and neither shows nbgrader's
"exchange directory does not exist" in the Assignments tab: the course gets an
exchange of its own, a folder has no Assignments tab.
"""

from __future__ import annotations

import json
import shutil

import pytest

from .conftest import ROOT
from .lab_server import assert_no_news_prompt, get, page_config, post, running_lab, status_of

pytestmark = pytest.mark.slow

NBGRADER_COURSE_PLUGINS = {
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:menu",
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    course = tmp_path_factory.mktemp("lab") / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    for tree in ("solutions", "notebooks"):
        shutil.copytree(ROOT / tree, course / tree)
    with running_lab(course) as (url, log):
        yield url, log, course


@pytest.fixture(scope="module")
def folder_lab(tmp_path_factory):
    """One assignment unpacked in an empty folder: no solutions/, no nbgrader_config.py."""
    folder = tmp_path_factory.mktemp("student")
    shutil.copytree(ROOT / "notebooks" / "00-welcome", folder / "00-welcome")
    with running_lab(folder, folder=True) as (url, log):
        yield url, log


def test_lab_opens_on_notebooks_with_nbgrader_loaded(lab):
    url, log, _ = lab
    status, page = get(f"{url}/lab")
    assert status == 200
    assert "@jupyter/nbgrader" in page, "nbgrader's lab extension is not loaded"
    assert any("/lab/tree/notebooks" in line for line in log)
    assert any("formgrader" in line and "successfully loaded" in line for line in log)
    assert not NBGRADER_COURSE_PLUGINS & set(page_config(url)["disabledExtensions"])


def test_the_welcome_notebook_is_served(lab):
    url, _, _ = lab
    status, body = get(f"{url}/api/contents/notebooks/00-welcome/00-welcome.ipynb")
    assert status == 200
    assert json.loads(body)["type"] == "notebook"


def test_the_formgrader_sees_the_course(lab):
    url, _, _ = lab
    status, body = get(f"{url}/formgrader/api/assignments")
    assert status == 200
    assert "00-welcome" in body


def test_the_course_asks_nothing_about_news(lab):
    assert_no_news_prompt(lab[0])


def test_the_assignments_tab_has_an_exchange_in_the_course(lab):
    url, log, course = lab
    for what in ("courses", "assignments?course_id=sockets-to-coroutines"):
        _, body = get(f"{url}/{what}")
        assert json.loads(body)["success"], body
    assert (course / "exchange").is_dir()
    assert not [line for line in log if "Unwritable directory" in line]


def test_a_folder_opens_its_notebook_without_nbgrader_course_parts(folder_lab):
    url, log = folder_lab
    assert any("/lab/tree/00-welcome/00-welcome.ipynb" in line for line in log)
    assert set(page_config(url)["disabledExtensions"]) >= NBGRADER_COURSE_PLUGINS
    assert status_of(f"{url}/assignments") == 404
    assert status_of(f"{url}/formgrader/api/assignments") == 404
    assert any("validate_assignment" in line and "successfully loaded" in line for line in log)
    assert_no_news_prompt(url)


def test_validate_works_in_a_folder_with_no_nbgrader_config(folder_lab):
    url, log = folder_lab
    _, body = post(f"{url}/assignments/validate", {"path": "00-welcome/00-welcome.ipynb"})
    result = json.loads(body)
    assert result["success"], result
    assert "failed" in json.dumps(result["value"]), "the blank release should fail validation"
    assert not [line for line in log if "No nbgrader_config.py" in line]
