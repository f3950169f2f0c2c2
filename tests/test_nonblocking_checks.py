"""The drain checker of notebook 03, three ways, and the sockets it hands out (arrived)."""

from __future__ import annotations

import select
import socket

import pytest

from netcourse.checks import CheckFailure, expect_returns, nonblocking
from netcourse.checks.nonblocking import arrived

from .three_ways import ThreeWays, right, wrong


def drain(sock):
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            return b"".join(chunks), False
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def drain_into_buffer(sock):
    data, view = bytearray(), memoryview(bytearray(4096))
    while True:
        try:
            n = sock.recv_into(view)
        except BlockingIOError:
            return bytes(data), False
        if n == 0:
            return bytes(data), True
        data += view[:n]


def drain_while_select_says_readable(sock):
    data = b""
    while select.select([sock], [], [], 0)[0]:
        chunk = sock.recv(1000)
        if not chunk:
            return data, True
        data += chunk
    return data, False


def stub(sock):
    raise NotImplementedError()


# --- realistic wrong answers ----------------------------------------------------------


def one_recv(sock):
    try:
        data = sock.recv(65536)
    except BlockingIOError:
        return b"", False
    return data, not data


def never_catches(sock):
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data, True
        data += chunk


def end_is_nothing_yet(sock):
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except BlockingIOError:
        pass
    return data, False


def spins_at_the_end(sock):
    data = b""
    while True:
        try:
            data += sock.recv(4096)
        except BlockingIOError:
            return data, False


def makes_it_blocking(sock):
    sock.setblocking(True)
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data, True


def reads_with_a_timeout(sock):
    sock.settimeout(0.05)
    data = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            return data, False
        if not chunk:
            return data, True
        data += chunk


def returns_text(sock):
    data, ended = drain(sock)
    return data.decode("latin-1"), ended


def returns_a_list(sock):
    return list(drain(sock))


def returns_the_chunks(sock):
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            return chunks, False
        if not chunk:
            return chunks, True
        chunks.append(chunk)


def returns_the_data_alone(sock):
    return drain(sock)[0]


def drops_the_last_bytes(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except BlockingIOError:
            return data, False
        if not chunk:
            return b"", True
        data += chunk


def empty_means_closed(sock):
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    data = b"".join(chunks)
    return data, not data


def closes_the_socket(sock):
    with sock:
        return drain(sock)


def ended_means_would_block(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except BlockingIOError:
            return data, True
        if not chunk:
            return data, True
        data += chunk


class TestDrain(ThreeWays):
    checklist = nonblocking.CHECKS
    stubs = [right(stub)]
    references = [
        right(drain),
        right(drain_into_buffer),
        right(drain_while_select_says_readable),
    ]
    corpus = [
        wrong(one_recv, {"everything", "end-of-stream"}, "until it raises BlockingIOError"),
        wrong(never_catches, {"would-block"}, "catch it"),
        wrong(end_is_nothing_yet, {"end-of-stream"}, "returned ended=False"),
        wrong(spins_at_the_end, {"end-of-stream"}, "did not return within"),
        wrong(makes_it_blocking, {"would-block"}, "it waited for data"),
        wrong(reads_with_a_timeout, {"stays-non-blocking"}, "timeout 0.05 s mode"),
        wrong(returns_text, {"returns-bytes"}, "whose data is bytes"),
        wrong(returns_the_chunks, {"returns-bytes"}, "data is a list"),
        wrong(returns_a_list, {"returns-bytes"}, "return a tuple"),
        wrong(returns_the_data_alone, {"returns-bytes"}, "return a pair"),
        wrong(drops_the_last_bytes, {"end-of-stream"}, "the bytes read before the end"),
        wrong(empty_means_closed, {"would-block", "end-of-stream"}, "only b'' means"),
        wrong(closes_the_socket, {"stays-non-blocking"}, "closed the socket"),
        wrong(ended_means_would_block, {"would-block"}, "BlockingIOError means 'nothing yet'"),
    ]

    def check(self, case, only=None):
        return nonblocking.check_drain(case.answer, only)


def test_arrived_holds_every_byte_and_then_would_block():
    pieces = (b"a" * 70_000, b"b" * 70_000)
    with arrived(*pieces) as sock:
        assert sock.gettimeout() == 0.0
        assert drain(sock) == (b"".join(pieces), False)
        with pytest.raises(BlockingIOError):
            sock.recv(1)


def test_arrived_with_eof_ends_after_the_bytes():
    with arrived(b"bye", eof=True) as sock:
        assert drain(sock) == (b"bye", True)
    with arrived(eof=True) as sock:
        assert sock.recv(10) == b""


def test_closing_an_arrived_socket_closes_its_peer():
    sock = arrived(b"x")
    peer = sock.peer
    sock.close()
    assert peer.fileno() == -1


def test_arrived_refuses_more_than_fits():
    with pytest.raises(ValueError, match="fit in the receive buffer"):
        arrived(bytes(2**20))


def test_hidden_tests_can_use_arrived_with_expect_returns():
    expect_returns(drain, (arrived(b"ab", b"cd"),), (b"abcd", False), "two pieces")
    with pytest.raises(CheckFailure, match="which is wrong: two pieces"):
        expect_returns(
            one_recv, (arrived(b"x" * 70_000, b"y"),), (b"x" * 70_000 + b"y", False), "two pieces"
        )


def test_the_peer_is_a_real_tcp_connection():
    with arrived() as sock:
        assert sock.type == socket.SOCK_STREAM and sock.getpeername() == sock.peer.getsockname()
