"""Notebook 02's helpers: running a server, the sequence diagram, the socket states."""

from __future__ import annotations

import socket
import sys
import time

import matplotlib
import matplotlib.pyplot as plt
import pytest

from netcourse.checks import NotAttempted
from netcourse.tools import sockstates, tcp_sequence
from netcourse.tools.serving import running

from .conftest import ROOT
from .echo_servers import REFERENCES

matplotlib.use("Agg")
CAPTURE = ROOT / "data" / "tcp-echo.pcap"


def test_running_serves_until_the_block_ends():
    serve, kind = REFERENCES["sequential"]
    with running(serve, kind) as address, socket.create_connection(address, timeout=5) as c:
        c.sendall(b"ping")
        assert c.recv(10) == b"ping"


def test_running_a_stub_says_not_attempted():
    def serve(listener, stop):
        raise NotImplementedError()

    with pytest.raises(NotAttempted), running(serve):
        pass


def test_sequence_rows_follow_the_capture():
    segments = tcp_sequence.from_capture(CAPTURE)
    rows = tcp_sequence.rows(segments, relative=True)
    assert [r.flags for r in rows[:3]] == ["SYN", "SYN, ACK", "ACK"]
    assert (rows[0].seq, rows[0].ack) == (0, None)
    assert (rows[1].seq, rows[1].ack) == (0, 1)
    assert (rows[2].seq, rows[2].ack) == (1, 1)
    assert rows[3].payload == b"hello\n" and rows[4].ack == 7
    table = tcp_sequence.table(segments)
    assert "3018837278" in table and "b'bye\\n'" in table


def test_the_sequence_diagram_draws_one_arrow_per_segment():
    segments = tcp_sequence.from_capture(CAPTURE)
    ax = tcp_sequence.draw(segments)
    texts = [t.get_text() for t in ax.texts]  # each arrow is an annotation, a text without text
    assert len([t for t in texts if t]) == len(segments) + 2  # a label per arrow, a name per side
    assert "ack=3018837279" in " ".join(texts)
    plt.close(ax.figure)


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS lists sockets with netstat")
def test_socket_states_live():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = listener.accept()
        states = {s.state for s in sockstates.tcp_sockets(port)}
        assert states == {"LISTEN", "ESTABLISHED"}
        client.close()
        conn.close()
        time.sleep(0.2)
        left = [s for s in sockstates.tcp_sockets(port) if s.state == "TIME_WAIT"]
        assert left and not left[0].ours
    assert "TIME_WAIT" in sockstates.table(port)


def test_macos_netstat_lines_are_understood():
    text = """Active Internet connections (including servers)
Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)
tcp4       0      0  127.0.0.1.52731        127.0.0.1.8888         TIME_WAIT
tcp4       0      0  127.0.0.1.8888         127.0.0.1.52732        FIN_WAIT_2
tcp6       0      0  ::1.8888               *.*                    LISTEN
udp4       0      0  *.5353                 *.*
"""
    assert sockstates.parse_bsd_netstat(text) == [
        (("127.0.0.1", 52731), ("127.0.0.1", 8888), "TIME_WAIT"),
        (("127.0.0.1", 8888), ("127.0.0.1", 52732), "FIN_WAIT2"),
        (("::1", 8888), None, "LISTEN"),
    ]
