"""The framing checkers of notebook 02: stubs, references, realistic wrong answers, and fed()."""

from __future__ import annotations

import struct

import pytest

from netcourse.checks import FAILED, PASSED, CheckFailure, expect_raises, expect_returns
from netcourse.checks.framing import check_length_prefixed, check_recv_exactly
from netcourse.tools.framing import fed, frame


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


def connection_error_at_eof(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def case(wrong, fails, phrase, slow=False):
    """A wrong answer, the checks it fails, and a phrase its messages say."""
    return pytest.param(wrong, fails, phrase, id=wrong.__name__, marks=[pytest.mark.slow] * slow)


RECV_WRONG = [
    case(one_recv, {"in-pieces", "large", "end-of-stream"}, "call recv() again"),
    case(over_reads, {"leaves-the-rest", "end-of-stream"}, "bytes still missing", slow=True),
    case(spins_at_eof, {"end-of-stream"}, "did not return within", slow=True),
    case(partial_at_eof, {"end-of-stream"}, "returned b'abc'"),
    case(connection_error_at_eof, {"end-of-stream"}, "raised ConnectionError"),
    case(returns_bytearray, {"whole", "in-pieces", "leaves-the-rest", "large"}, "return bytes"),
]


def test_recv_exactly_stub_is_not_attempted():
    report = check_recv_exactly(stub)
    assert report.not_attempted


def test_recv_exactly_reference_passes():
    report = check_recv_exactly(recv_exactly)
    assert all(r.status == PASSED for r in report.results), str(report)


@pytest.mark.parametrize(("wrong", "fails", "phrase"), RECV_WRONG)
def test_recv_exactly_wrong_answers(wrong, fails, phrase):
    report = check_recv_exactly(wrong)
    assert {r.id for r in report.results if r.status == FAILED} == fails, str(report)
    assert phrase in " ".join(r.message for r in report.results), str(report)


# --- length-prefixed messages -----------------------------------------------------


def send_little_endian(sock, payload):
    sock.sendall(struct.pack("<I", len(payload)) + payload)


def recv_little_endian(sock):
    (length,) = struct.unpack("<I", recv_exactly(sock, 4))
    return recv_exactly(sock, length)


def send_with_send(sock, payload):
    sock.send(struct.pack("!I", len(payload)) + payload)


def recv_with_two_recvs(sock):
    (length,) = struct.unpack("!I", sock.recv(4))
    return sock.recv(length)


def recv_whole_chunk(sock):
    data = sock.recv(65536)
    (length,) = struct.unpack("!I", data[:4])
    return data[4 : 4 + length]


PREFIX_WRONG = [
    (
        send_little_endian,
        recv_little_endian,
        {"wire-format", "in-pieces", "back-to-back", "large"},
        "big-endian",
    ),
    (send_with_send, recv_message, {"large"}, "use sendall()"),
    (
        send_message,
        recv_with_two_recvs,
        {"in-pieces", "large", "end-of-stream"},
        "the length itself split",
    ),
    (
        send_message,
        recv_whole_chunk,
        {"round-trip", "back-to-back", "in-pieces", "large", "end-of-stream"},
        "nothing more",
    ),
]


def test_length_prefixed_stub_is_not_attempted():
    assert check_length_prefixed(stub, stub).not_attempted
    assert check_length_prefixed(send_message, stub).not_attempted


def test_length_prefixed_reference_passes():
    report = check_length_prefixed(send_message, recv_message)
    assert all(r.status == PASSED for r in report.results), str(report)


@pytest.mark.parametrize(
    ("send", "recv", "fails", "phrase"),
    PREFIX_WRONG,
    ids=[f"{w[0].__name__}-{w[1].__name__}" for w in PREFIX_WRONG],
)
def test_length_prefixed_wrong_answers(send, recv, fails, phrase):
    report = check_length_prefixed(send, recv)
    assert {r.id for r in report.results if r.status == FAILED} == fails, str(report)
    assert phrase in " ".join(r.message for r in report.results), str(report)


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
