"""The grading worker's shortcuts give the same answers as nbgrader's own ways."""

import pytest
from nbgrader.api import get_alembic_version

from netcourse.course.nbgrader import tool_env
from netcourse.grading.nbgrader_worker import schema_version_in_process


@pytest.mark.slow
def test_the_in_process_schema_version_is_the_one_nbgrader_records(monkeypatch):
    monkeypatch.setenv("PATH", tool_env()["PATH"])  # nbgrader runs `alembic` by name
    assert schema_version_in_process() == get_alembic_version()
