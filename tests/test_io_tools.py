"""Notebook 03's tools: descriptors, the timeline, and the cost of one multiplexing call."""

from __future__ import annotations

import os
import select
import socket
import sys

import matplotlib
import pytest

from netcourse.tools import descriptors, multiplexing, timeline

matplotlib.use("Agg")


def test_new_descriptors_are_listed_with_their_kind():
    before = descriptors.listing()
    read_end, write_end = os.pipe()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        try:
            new = [d for d in descriptors.listing() if d not in set(before)]
            kinds = {d.fd: d.kind for d in new}
            if sys.platform != "win32":
                assert kinds[listener.fileno()] == "socket"
                assert kinds[read_end] == kinds[write_end] == "pipe"
            port = str(listener.getsockname()[1])
            assert any(port in d.what and "LISTEN" in d.what for d in new)
            assert "socket" in descriptors.table(since=before)
        finally:
            os.close(read_end)
            os.close(write_end)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptors")
def test_the_fstat_listing_agrees_with_proc_where_both_exist():
    if not descriptors.PROC.is_dir():
        pytest.skip("no /proc here")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        found = {d.fd: d for d in descriptors._from_fstat()}
        assert found[listener.fileno()].kind == "socket"
        assert "LISTEN" in found[listener.fileno()].what


def test_a_timeline_keeps_spans_and_marks_by_lane_and_draws_them():
    line = timeline.Timeline()
    with line.span("server", "waits"):
        pass
    line.mark("client", "connects")
    assert line.lanes == ["server", "client"]
    assert [s.label for s in line.spans] == ["waits", "connects"]
    assert line.spans[1].start == line.spans[1].end
    ax = line.draw(title="t")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["client", "server"]


def test_idle_sockets_hold_one_ready_socket_last():
    with multiplexing.idle_sockets(5) as socks:
        assert len(socks) == 6
        assert select.select(socks, [], [], 0)[0] == [socks[-1]]
    assert all(s.fileno() == -1 for s in socks)


@pytest.mark.parametrize("mechanism", multiplexing.available())
def test_each_mechanism_finds_the_one_ready_socket_and_is_timed(mechanism):
    with multiplexing.idle_sockets(20) as socks:
        assert multiplexing.call_seconds(mechanism, socks, repeat=1) > 0


def test_a_sweep_drops_select_past_its_limit():
    if sys.platform == "win32" or not hasattr(select, "epoll"):
        pytest.skip("the descriptor numbers past 1024 are Linux's")
    costs = multiplexing.sweep([10, 600], ["select", "epoll"], progress=False)
    assert [n for n, _ in costs["select"]] == [10]
    assert [n for n, _ in costs["epoll"]] == [10, 600]


def test_the_default_selector_is_named_with_its_system_call():
    name = multiplexing.default_selector()
    assert name.split()[0] in multiplexing.SYSTEM_CALLS
    assert "?" not in name


def test_an_unknown_mechanism_is_refused():
    with (
        multiplexing.idle_sockets(1) as socks,
        pytest.raises(ValueError, match="unknown mechanism"),
    ):
        multiplexing.call_seconds("io_uring", socks)
