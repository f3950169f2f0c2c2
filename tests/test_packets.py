"""Reading the course's captures and decoding their frames, checked against what TCP promises."""

import ipaddress
import struct

import pytest

from netcourse.tools.packets import decode_frame, tcp_segments
from netcourse.tools.pcap import PcapError, read_pcap, write_pcap

from .conftest import ROOT

DATA = ROOT / "data"


def frames(name):
    return [(p.timestamp, p.data) for p in read_pcap(DATA / name).packets]


def test_write_then_read_round_trips(tmp_path):
    path = tmp_path / "x.pcap"
    write_pcap(path, [(1.5, b"\x00" * 20), (2.999999, b"abc")])
    capture = read_pcap(path)
    assert capture.link_type == 1
    assert [p.data for p in capture.packets] == [b"\x00" * 20, b"abc"]
    assert capture.packets[0].timestamp == pytest.approx(1.5)
    assert capture.packets[1].timestamp == pytest.approx(2.999999)


def test_big_endian_and_bad_files(tmp_path):
    big = (
        struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        + struct.pack(">IIII", 7, 0, 2, 2)
        + b"hi"
    )
    (tmp_path / "big.pcap").write_bytes(big)
    assert read_pcap(tmp_path / "big.pcap").packets[0].data == b"hi"
    (tmp_path / "bad.pcap").write_bytes(b"\x0a\x0d\x0d\x0a" + b"\x00" * 40)
    with pytest.raises(PcapError, match="pcapng"):
        read_pcap(tmp_path / "bad.pcap")
    (tmp_path / "cut.pcap").write_bytes(big[:-1])
    with pytest.raises(PcapError, match="truncated"):
        read_pcap(tmp_path / "cut.pcap")


def test_tcp_capture_shows_handshake_data_and_teardown():
    segments = tcp_segments(frames("tcp-echo.pcap"))
    syn, syn_ack, ack = segments[:3]
    assert syn.flags == ("SYN",) and syn_ack.flags == ("SYN", "ACK") and ack.flags == ("ACK",)
    assert syn_ack.ack == syn.seq + 1, "a SYN takes one sequence number"
    assert ack.ack == syn_ack.seq + 1 and ack.seq == syn.seq + 1
    client = syn.source
    sent = b"".join(s.payload for s in segments if s.source == client)
    echoed = b"".join(s.payload for s in segments if s.source != client)
    assert sent == echoed == b"hello\nbye\n"
    fins = [s for s in segments if "FIN" in s.flags]
    assert [f.source for f in fins] == [client, syn.destination], "the client closes first"
    assert segments[-1].flags == ("ACK",) and segments[-1].ack == fins[-1].seq + 1


def test_layers_cover_the_frame_and_fields_sit_inside_their_layer():
    for name in ("tcp-echo.pcap", "udp-echo.pcap", "http-get.pcap"):
        for _, frame in frames(name):
            layers = decode_frame(frame)
            assert [layer.name for layer in layers][:2] == ["Ethernet", "IPv4"]
            assert sum(layer.length for layer in layers) == len(frame)
            for layer in layers:
                for field in layer.fields:
                    assert layer.offset <= field.offset
                    assert field.offset + field.length <= layer.offset + layer.length
            ip = layers[1]
            assert ip["source address"] == ipaddress.IPv4Address("127.0.0.1")


def test_udp_capture_is_one_datagram_each_way():
    decoded = [decode_frame(frame) for _, frame in frames("udp-echo.pcap")]
    assert [[layer.name for layer in d] for d in decoded] == [
        ["Ethernet", "IPv4", "UDP", "payload"]
    ] * 2
    assert [d[3]["data"] for d in decoded] == [b"ping", b"ping"]
    assert decoded[0][2]["length"] == 8 + 4
