"""The framing checkers of notebook 02: stubs, references, realistic wrong answers, and fed()."""

from __future__ import annotations

import struct

import pytest

from netcourse.checks import CheckFailure, expect_raises, expect_returns, framing
from netcourse.tools.framing import fed, frame

from .three_ways import ThreeWays, right, wrong


def recv_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError(f"the stream ended after {len(data)} of {n} bytes")
        data += chunk
    return bytes(data)


def send_message(sock, payload):
    sock.sendall(struct.pack("!I", len(payload)) + payload)


def recv_message(sock):
    (length,) = struct.unpack("!I", recv_exactly(sock, 4))
    return recv_exactly(sock, length)


def stub(*args):
    raise NotImplementedError()


# --- recv_exactly ---------------------------------------------------------------


def one_recv(sock, n):
    return sock.recv(n)


def over_reads(sock, n):
    data = b""
    while len(data) < n:
        data += sock.recv(4096)
    return data[:n]


def spins_at_eof(sock, n):
    data = b""
    while len(data) < n:
        data += sock.recv(n - len(data))
    return data


def partial_at_eof(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def returns_bytearray(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def asks_for_n(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n)
        if not chunk:
            raise EOFError
        data += chunk
    return data


def fixed_buffer(sock, n):
    buffer = bytearray(65536)  # "big enough for any message"
    view, got = memoryview(buffer), 0
    while got < n:
        taken = sock.recv_into(view[got:], n - got)
        if not taken:
            raise EOFError
        got += taken
    return bytes(buffer[:n])


def connection_error_at_eof(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


RECV_WRONG = [
    wrong(one_recv, {"in-pieces"}, "call recv() again"),
    wrong(over_reads, {"leaves-the-rest", "end-of-stream"}, "bytes still missing", slow=True),
    wrong(asks_for_n, {"leaves-the-rest"}, "recv(n - len(data))"),
    wrong(fixed_buffer, {"large"}, "raised ValueError"),
    wrong(spins_at_eof, {"end-of-stream"}, "did not return after", slow=True),
    wrong(partial_at_eof, {"end-of-stream"}, "returned b'abc'"),
    wrong(connection_error_at_eof, {"end-of-stream"}, "raised ConnectionError"),
    wrong(returns_bytearray, {"whole"}, "return bytes"),
]


# --- length-prefixed messages -----------------------------------------------------


def send_little_endian(sock, payload):
    sock.sendall(struct.pack("<I", len(payload)) + payload)


def recv_little_endian(sock):
    (length,) = struct.unpack("<I", recv_exactly(sock, 4))
    return recv_exactly(sock, length)


def send_with_send(sock, payload):
    sock.send(struct.pack("!I", len(payload)) + payload)


def send_skips_empty(sock, payload):
    if payload:  # "nothing to send"
        sock.sendall(struct.pack("!I", len(payload)) + payload)


def recv_empty_at_eof(sock):
    try:
        (length,) = struct.unpack("!I", recv_exactly(sock, 4))
    except EOFError:
        return b""  # "no more messages"
    return recv_exactly(sock, length)


def recv_with_two_recvs(sock):
    (length,) = struct.unpack("!I", sock.recv(4))
    return sock.recv(length)


def recv_whole_chunk(sock):
    data = sock.recv(65536)
    (length,) = struct.unpack("!I", data[:4])
    return data[4 : 4 + length]


PREFIX_WRONG = [
    wrong((send_little_endian, recv_little_endian), {"wire-format"}, "big-endian"),
    wrong((send_with_send, recv_message), {"large"}, "use sendall()"),
    wrong((send_skips_empty, recv_message), {"round-trip"}, "message 2 of 4"),
    wrong((send_message, recv_empty_at_eof), {"end-of-stream"}, "raise EOFError"),
    wrong((send_message, recv_with_two_recvs), {"in-pieces"}, "the length itself split"),
    wrong((send_message, recv_whole_chunk), {"back-to-back", "in-pieces"}, "nothing more"),
]


class TestRecvExactly(ThreeWays):
    checklist = framing.RECV_EXACTLY_CHECKS
    stubs = [right(stub)]
    references = [right(recv_exactly)]
    corpus = RECV_WRONG

    def check(self, case, only=None):
        return framing.check_recv_exactly(case.answer, only)


class TestLengthPrefixed(ThreeWays):
    checklist = framing.MESSAGE_CHECKS
    stubs = [right((stub, stub))]
    references = [right((send_message, recv_message))]
    corpus = PREFIX_WRONG

    def check(self, case, only=None):
        return framing.check_length_prefixed(*case.answer, only)

    def test_a_half_done_answer_is_not_attempted(self):
        report = framing.check_length_prefixed(send_message, stub)
        assert report["wire-format"].status == "passed" and report.not_attempted, str(report)


# --- fed() with the generic expect_* helpers, as hidden tests use it ----------------


def test_fed_sockets_deliver_one_chunk_per_recv():
    sock = fed(b"ab", b"c")
    assert sock.recv(10) == b"ab"
    assert sock.recv(10) == b"c"
    assert sock.recv(10) == b""


def test_hidden_style_cases_pass_and_fail_without_revealing_the_expected_value():
    expect_returns(recv_exactly, (fed(b"ab", b"c"), 3), b"abc", "pieces")
    expect_returns(recv_exactly, (fed(), 0), b"", "nothing asked, nothing read")
    expect_raises(recv_exactly, (fed(b"ab"), 3), EOFError, "the stream ended early")
    with pytest.raises(CheckFailure) as failed:
        expect_returns(one_recv, (fed(b"ab", b"c"), 3), b"abc", "the bytes came in two pieces")
    assert "b'abc'" not in str(failed.value)
    assert "one_recv(sock, 3) returned b'ab'" in str(failed.value)
    assert frame(b"hi") == b"\x00\x00\x00\x02hi"
