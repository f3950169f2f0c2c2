"""The UDP echo checker: the stub, a reference, and realistic wrong servers."""

from __future__ import annotations

import contextlib

import pytest

from netcourse.checks import FAILED, PASSED
from netcourse.checks.echo.udp import CHECK_IDS, check_udp_server

MAX = 65535


def reference(sock, stop):
    while True:
        data, address = sock.recvfrom(MAX)
        if stop.is_set():
            return
        sock.sendto(data, address)


def stub(sock, stop):
    raise NotImplementedError()


def small_buffer(sock, stop):
    """recvfrom(1024), as in many examples: longer datagrams lose their tail."""
    while not stop.is_set():
        with contextlib.suppress(OSError):  # Windows reports the truncation as an error
            data, address = sock.recvfrom(1024)
            sock.sendto(data, address)


def first_client_only(sock, stop):
    """Remembers the first client's address, as if UDP had connections."""
    client = None
    while not stop.is_set():
        data, address = sock.recvfrom(MAX)
        client = client or address
        sock.sendto(data, client)


def stops_on_empty(sock, stop):
    """The TCP habit: b'' taken for the end of the conversation."""
    while not stop.is_set():
        data, address = sock.recvfrom(MAX)
        if not data:
            return
        sock.sendto(data, address)


def decodes_text(sock, stop):
    while not stop.is_set():
        data, address = sock.recvfrom(MAX)
        sock.sendto(data.decode("utf-8", errors="replace").encode(), address)


def replies_twice(sock, stop):
    """Echoes, then sends a newline "to end the message"."""
    while not stop.is_set():
        data, address = sock.recvfrom(MAX)
        sock.sendto(data, address)
        sock.sendto(b"\n", address)


def ignores_stop(sock, stop):
    while True:
        data, address = sock.recvfrom(MAX)
        sock.sendto(data, address)


def test_stub_is_not_attempted():
    report = check_udp_server(stub)
    assert report.not_attempted and report.results[0].status == FAILED


def test_reference_passes_every_check():
    report = check_udp_server(reference)
    assert [r.id for r in report.results] == list(CHECK_IDS)
    assert all(r.status == PASSED for r in report.results), str(report)


def case(serve, fails, phrase, slow=False):
    """A wrong server, the checks it fails, a phrase its messages say."""
    return pytest.param(serve, fails, phrase, id=serve.__name__, marks=[pytest.mark.slow] * slow)


ALL_REPLIES = {"short", "binary", "empty", "boundaries", "large", "two-clients"}
WRONG = [
    case(small_buffer, {"large"}, "give it 65535"),
    case(first_client_only, {"two-clients"}, "never to an address kept"),
    case(stops_on_empty, {"empty"}, "does not mean that the client has finished"),
    case(decodes_text, {"binary", "large"}, "without decoding"),
    case(replies_twice, ALL_REPLIES, "b'\\n'"),
    case(ignores_stop, {"stop"}, "did not return within", slow=True),
]


@pytest.mark.parametrize(("serve", "fails", "phrase"), WRONG)
def test_wrong_server_fails_exactly_its_checks(serve, fails, phrase):
    report = check_udp_server(serve)
    assert {r.id for r in report.results if r.status == FAILED} == fails, str(report)
    assert phrase in " ".join(r.message for r in report.results), str(report)
