"""The server exercises of notebooks 02 to 07, taken from the notebooks: stub and reference."""

from __future__ import annotations

import pytest

from netcourse.checks import PASSED, idle, offload
from netcourse.checks.echo import check_server
from netcourse.checks.echo.udp import check_udp_server

from .conftest import COROUTINES, QUEUES_AND_POOLS, ROOT
from .notebook_tools import load_answers

TCP_SOCKETS = "02-tcp-sockets/02-tcp-sockets.ipynb"
BLOCKING_IO = "03-blocking-and-nonblocking-io/03-blocking-and-nonblocking-io.ipynb"
PROCESSES_THREADS = "04-processes-threads-gil/04-processes-threads-gil.ipynb"
CAPSTONE = "07-capstone/07-capstone.ipynb"
# (notebook, answer cell, function, how it is checked)
EXERCISES = [
    (TCP_SOCKETS, "blocking-echo-server", "serve", lambda f: check_server(f, "sequential")),
    (TCP_SOCKETS, "udp-echo-server", "serve_udp", check_udp_server),
    (BLOCKING_IO, "selectors-echo-server", "serve", lambda f: check_server(f, "selectors")),
    (PROCESSES_THREADS, "echo-threads-server", "serve", lambda f: check_server(f, "threads")),
    (
        QUEUES_AND_POOLS,
        "pool-echo-server",
        "serve_pool",
        lambda f: check_server(f, "thread-pool", workers=4),
    ),
    (COROUTINES, "gevent-echo-server", "serve_gevent", lambda f: check_server(f, "gevent")),
    (COROUTINES, "asyncio-echo-server", "serve_asyncio", lambda f: check_server(f, "asyncio")),
    (CAPSTONE, "responsive-server", "serve_responsive", offload.check_server),
    (CAPSTONE, "idle-server", "serve_many", idle.check_server),
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
