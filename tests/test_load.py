"""The load generator: counts, percentiles, timelines, short connections, and failures."""

from __future__ import annotations

import socket

import pytest

from netcourse.tools import load
from netcourse.tools.serving import running

from .echo_servers import REFERENCES


@pytest.fixture(scope="module")
def address():
    serve, kind = REFERENCES["threads"]
    with running(serve, kind) as where:
        yield where


def test_a_count_of_round_trips_is_exact_and_timed(address):
    result = load.run(address, clients=4, size=100, count=400, progress=False)
    assert result.messages == 400 and result.errors == 0
    assert len(result.finished) == 400 and result.finished == sorted(result.finished)
    assert 0 < result.p50 <= result.p90 <= result.p99 <= max(result.latencies)
    assert result.throughput == pytest.approx(400 / result.seconds)
    times, rates = result.timeline(step=result.seconds / 4)
    assert len(times) == len(rates) >= 4
    assert sum(rates) * result.seconds / 4 == pytest.approx(400)
    assert "400 round trips" in str(result) and "p99" in str(result)


def test_short_connections_and_a_duration(address):
    result = load.run(address, clients=2, size=10, duration=0.3, reconnect=True, progress=False)
    assert result.messages > 0 and result.errors == 0
    assert result.summary()["reconnect"] is True
    assert "a new connection per message" in str(result)


def test_a_duration_is_the_window_counted_and_divided_by(address):
    result = load.run(address, clients=8, size=64, duration=0.4, progress=False)
    assert result.seconds == 0.4 and result.throughput == result.messages / 0.4
    assert 0 < max(result.finished) <= 0.4  # a trip completed after the window is not counted
    assert result.unconnected == [] and result.unanswered == []


def test_clients_that_never_got_a_connection_or_an_answer_are_counted_and_named():
    # A listener that never accepts: the kernel completes a connection or two for its
    # backlog (connected, never answered); the rest wait for a handshake (never connected).
    with socket.create_server(("127.0.0.1", 0), backlog=1) as deaf:
        result = load.run(deaf.getsockname(), clients=6, duration=0.5, progress=False)
    assert result.messages == 0 and result.errors == 0
    assert result.unconnected and result.unanswered
    assert sorted(result.unconnected + result.unanswered) == list(range(6))
    summary = result.summary()
    assert summary["unconnected"] == {
        "count": len(result.unconnected),
        "clients": result.unconnected,
    }
    assert summary["unanswered"]["clients"] == result.unanswered
    assert "never got a connection: clients" in str(result)
    assert "got a connection but never an answer" in str(result)


def test_messages_larger_than_one_recv(address):
    result = load.run(address, clients=2, size=300_000, count=10, progress=False)
    assert result.messages == 10 and result.errors == 0


def test_a_server_that_is_not_there_counts_as_errors():
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]  # bound, not listening: connections are refused
        result = load.run(("127.0.0.1", port), clients=3, count=10, progress=False)
    assert result.messages == 0 and result.errors == 3
    assert "ConnectionRefusedError" in result.first_error
    assert "latency" not in str(result)


def test_a_server_that_never_answers_times_out():
    with socket.create_server(("127.0.0.1", 0)) as silent:
        result = load.run(silent.getsockname(), count=5, timeout=0.3, progress=False)
    assert result.messages == 0 and result.errors == 1
    assert result.first_error == "TimeoutError: client 0 waited 0.3 s for its echo"
    assert result.unanswered == [0]


@pytest.mark.parametrize("kwargs", [{"clients": 0}, {"size": 0}, {"duration": None}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        load.run(("127.0.0.1", 9), **kwargs)
