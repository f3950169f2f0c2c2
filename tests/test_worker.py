"""The grading worker's shortcuts give the same answers as nbgrader's own ways."""

import pytest
from nbgrader.api import get_alembic_version

from netcourse.grading.nbgrader_worker import schema_version_in_process
from netcourse.nbgrader_run import tool_env


@pytest.mark.slow
def test_the_in_process_schema_version_is_the_one_nbgrader_records(monkeypatch):
    monkeypatch.setenv("PATH", tool_env()["PATH"])  # nbgrader runs `alembic` by name
    assert schema_version_in_process() == get_alembic_version()
