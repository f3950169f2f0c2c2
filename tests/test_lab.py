"""`netcourse lab` serves JupyterLab on the course with nbgrader's extensions loaded."""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT
from .lab_server import get, running_lab

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab():
    with running_lab(ROOT) as (url, log):
        yield url, log


def test_lab_opens_on_notebooks_with_nbgrader_loaded(lab):
    url, log = lab
    status, page = get(f"{url}/lab")
    assert status == 200
    assert "@jupyter/nbgrader" in page, "nbgrader's lab extension is not loaded"
    assert any("/lab/tree/notebooks" in line for line in log)
    assert any("formgrader" in line and "successfully loaded" in line for line in log)


def test_the_welcome_notebook_is_served(lab):
    url, _ = lab
    status, body = get(f"{url}/api/contents/notebooks/00-welcome/00-welcome.ipynb")
    assert status == 200
    assert json.loads(body)["type"] == "notebook"


def test_the_formgrader_sees_the_course(lab):
    url, _ = lab
    status, body = get(f"{url}/formgrader/api/assignments")
    assert status == 200
    assert "00-welcome" in body
