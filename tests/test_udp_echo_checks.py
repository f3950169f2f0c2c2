"""The UDP echo checker: the stub, a reference, and realistic wrong servers."""

from __future__ import annotations

import contextlib

from netcourse.checks.echo import udp

from .three_ways import ThreeWays, right, wrong

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


def merges_waiting(sock, stop):
    """The stream habit: collects every datagram waiting and answers them in one reply."""
    while not stop.is_set():
        data, address = sock.recvfrom(MAX)
        sock.setblocking(False)
        try:
            while True:
                more, _ = sock.recvfrom(MAX)
                data += more
        except BlockingIOError:
            pass
        finally:
            sock.setblocking(True)
        sock.sendto(data, address)


def ignores_stop(sock, stop):
    while True:
        data, address = sock.recvfrom(MAX)
        sock.sendto(data, address)


WRONG = [
    wrong(small_buffer, {"large"}, "give it 65535"),
    wrong(first_client_only, {"two-clients"}, "never to an address kept"),
    wrong(stops_on_empty, {"empty"}, "does not mean that the client has finished"),
    wrong(decodes_text, {"binary"}, "without decoding"),
    wrong(replies_twice, {"short"}, "b'\\n'"),
    wrong(merges_waiting, {"boundaries"}, "each datagram is a message of its own"),
    wrong(ignores_stop, {"stop"}, "did not return within", slow=True),
]


class TestUdpEchoServer(ThreeWays):
    checklist = udp.CHECKS
    stubs = [right(stub)]
    references = [right(reference)]
    corpus = WRONG

    def check(self, case, only=None):
        return udp.check_udp_server(case.answer, only)
