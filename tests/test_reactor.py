"""The reactor of notebook 03: the package's copy is the notebook's, and it serves echo right."""

from __future__ import annotations

import ast
import functools
import inspect
import socket
import time

import pytest

from netcourse.checks import PASSED
from netcourse.checks.echo import check_server
from netcourse.tools import reactor
from netcourse.tools.serving import running

from .conftest import ROOT
from .notebook_tools import read

NOTEBOOK = (
    ROOT / "solutions" / "03-blocking-and-nonblocking-io" / "03-blocking-and-nonblocking-io.ipynb"
)


def definitions(tree: ast.Module) -> dict[str, str]:
    """Each top-level class, function and constant of a module, by name, as a normalised dump."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            found[node.name] = ast.dump(node)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.dump(node)
    return found


def test_the_package_reactor_is_the_one_the_notebook_builds():
    cells = "\n".join(c.source for c in read(NOTEBOOK).cells if c.cell_type == "code")
    notebook = definitions(
        ast.parse("\n".join(line for line in cells.splitlines() if not line.startswith("%%")))
    )
    package = definitions(ast.parse(inspect.getsource(reactor)))
    for name in reactor.__all__:
        assert name in notebook, f"notebook 03 does not define {name}"
        assert notebook[name] == package[name], f"{name} differs between notebook 03 and nc.reactor"


def test_the_reactor_echo_server_passes_every_selectors_check():
    report = check_server(reactor.serve_echo, "selectors")
    assert all(r.status == PASSED for r in report.results), str(report)


class Upper(reactor.EchoConnection):
    def handle(self, data: bytes) -> bytes:
        return data.upper()


def test_a_connection_class_changes_the_protocol_and_nothing_else():
    serve = functools.partial(reactor.serve_echo, connection=Upper)
    with running(serve, "selectors") as address, socket.create_connection(address, 2) as sock:
        sock.sendall(b"shout")
        assert sock.recv(100) == b"SHOUT"


def test_back_pressure_stops_reading_a_client_that_does_not_read():
    """A client that sends and never reads: the server's buffer stays near its mark."""
    connections = []

    class Watched(reactor.EchoConnection):
        def __init__(self, *args):
            super().__init__(*args)
            connections.append(self)

    serve = functools.partial(reactor.serve_echo, connection=Watched)
    with running(serve, "selectors") as address, socket.create_connection(address, 2) as sock:
        sock.setblocking(False)
        sent, stalls = 0, 0
        while stalls < 50 and sent < 32 * 2**20:  # until the kernel's buffers are full too
            try:
                sent += sock.send(bytes(65536))
                stalls = 0
            except BlockingIOError:
                stalls += 1
                time.sleep(0.01)
        assert connections
        assert len(connections[0].out) < reactor.HIGH_WATER + reactor.CHUNK


def test_call_soon_runs_on_the_next_turn_and_run_stops_when_told():
    loop = reactor.Reactor()
    seen = []
    loop.call_soon(lambda: seen.append("first"))
    loop.call_soon(lambda: (seen.append("second"), loop.stop()))
    loop.run()
    loop.close()
    assert seen == ["first", "second"]


def test_removing_both_callbacks_unregisters_the_socket():
    loop = reactor.Reactor()
    a, b = socket.socketpair()
    with a, b:
        loop.add_reader(a, print)
        loop.add_writer(a, print)
        loop.remove_reader(a)
        assert loop.selector.get_key(a).events == reactor.selectors.EVENT_WRITE
        loop.remove_writer(a)
        with pytest.raises(KeyError):
            loop.selector.get_key(a)
    loop.close()
