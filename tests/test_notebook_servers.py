"""The server exercises of notebooks 02, 03 and 05, taken from the notebooks: stub and reference."""

from __future__ import annotations

import pytest

from netcourse.checks import PASSED
from netcourse.checks.echo import check_server
from netcourse.checks.echo.udp import check_udp_server

from .conftest import QUEUES_AND_POOLS, ROOT
from .notebook_tools import load_answers

TCP_SOCKETS = "02-tcp-sockets/02-tcp-sockets.ipynb"
BLOCKING_IO = "03-blocking-and-nonblocking-io/03-blocking-and-nonblocking-io.ipynb"
# (notebook, answer cell, function, how it is checked)
EXERCISES = [
    (TCP_SOCKETS, "blocking-echo-server", "serve", lambda f: check_server(f, "sequential")),
    (TCP_SOCKETS, "udp-echo-server", "serve_udp", check_udp_server),
    (BLOCKING_IO, "selectors-echo-server", "serve", lambda f: check_server(f, "selectors")),
    (
        QUEUES_AND_POOLS,
        "pool-echo-server",
        "serve_pool",
        lambda f: check_server(f, "thread-pool", workers=4),
    ),
]
IDS = [grade_id for _, grade_id, _, _ in EXERCISES]


@pytest.mark.parametrize(("notebook", "grade_id", "name", "check"), EXERCISES, ids=IDS)
def test_the_starter_is_not_attempted(notebook, grade_id, name, check):
    stub = load_answers(ROOT / "notebooks" / notebook, "setup", grade_id)[name]
    report = check(stub)
    assert report.not_attempted, str(report)


@pytest.mark.parametrize(("notebook", "grade_id", "name", "check"), EXERCISES, ids=IDS)
def test_the_reference_passes_every_check(notebook, grade_id, name, check):
    reference = load_answers(ROOT / "solutions" / notebook, "setup", grade_id)[name]
    report = check(reference)
    assert report.results and all(r.status == PASSED for r in report.results), str(report)
