"""The header checkers of 01, three ways: the stub, the reference, realistic wrong answers."""

from __future__ import annotations

import ipaddress
import struct

from netcourse.checks import headers
from netcourse.checks.headers import checksum, parsers
from netcourse.tools.packets import decode_frame
from netcourse.tools.pcap import read_pcap

from .conftest import ROOT
from .three_ways import ThreeWays, right, wrong

TCP_FLAGS = ("FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR")


def stub(data: bytes):
    raise NotImplementedError()


# -- references: the solutions of the notebook ----------------------------------------


def parse_ipv4_header(data: bytes) -> dict:
    if len(data) < 20:
        raise ValueError("shorter than an IPv4 header")
    (first, tos, total, ident, word, ttl, proto, checksum, src, dst) = struct.unpack(
        "!BBHHHBBH4s4s", data[:20]
    )
    version, ihl = first >> 4, (first & 0x0F) * 4
    if version != 4 or ihl < 20 or len(data) < ihl:
        raise ValueError("not a complete IPv4 header")
    return {
        "version": version,
        "header_length": ihl,
        "dscp": tos >> 2,
        "ecn": tos & 0b11,
        "total_length": total,
        "identification": ident,
        "flags": {name for name, bit in (("DF", 0x4000), ("MF", 0x2000)) if word & bit},
        "fragment_offset": (word & 0x1FFF) * 8,
        "ttl": ttl,
        "protocol": proto,
        "checksum": checksum,
        "source": ipaddress.IPv4Address(src),
        "destination": ipaddress.IPv4Address(dst),
    }


def parse_tcp_header(data: bytes) -> dict:
    if len(data) < 20:
        raise ValueError("shorter than a TCP header")
    sport, dport, seq, ack, offset, flags, window, checksum, urgent = struct.unpack(
        "!HHIIBBHHH", data[:20]
    )
    length = (offset >> 4) * 4
    if length < 20 or len(data) < length:
        raise ValueError("not a complete TCP header")
    return {
        "source_port": sport,
        "destination_port": dport,
        "sequence": seq,
        "acknowledgment": ack,
        "header_length": length,
        "flags": {name for bit, name in enumerate(TCP_FLAGS) if flags & (1 << bit)},
        "window": window,
        "checksum": checksum,
        "urgent_pointer": urgent,
    }


def tcp_payload(frame: bytes) -> bytes:
    if len(frame) < 14 or struct.unpack_from("!H", frame, 12)[0] != 0x0800:
        raise ValueError("not an IPv4 frame")
    ip = parse_ipv4_header(frame[14:])
    if ip["protocol"] != 6:
        raise ValueError("not TCP")
    packet = frame[14 : 14 + ip["total_length"]]
    tcp = parse_tcp_header(packet[ip["header_length"] :])
    return packet[ip["header_length"] + tcp["header_length"] :]


def internet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


# -- wrong answers ----------------------------------------------------------------------


def variant(function, **changes):
    """``function`` with some of its result's keys recomputed from the result and the input."""

    def wrong(data):
        result = function(data)
        for key, change in changes.items():
            result[key] = change(result, data)
        return result

    wrong.__name__ = f"{function.__name__}_{'_'.join(changes)}"
    return wrong


def ipv4_little_endian(data):
    result = parse_ipv4_header(data)
    _, _, total, ident, word, _, _, checksum = struct.unpack("<BBHHHBBH", data[:12])
    result.update(
        total_length=total,
        identification=ident,
        checksum=checksum,
        flags={n for n, b in (("DF", 0x4000), ("MF", 0x2000)) if word & b},
        fragment_offset=(word & 0x1FFF) * 8,
    )
    return result


def ipv4_signed(data):
    result = parse_ipv4_header(data)
    _, tos, total, ident, _, ttl, _, checksum = struct.unpack("!bbhhhbbh", data[:12])
    result.update(
        dscp=tos >> 2, total_length=total, identification=ident, ttl=ttl, checksum=checksum
    )
    return result


def ipv4_no_validation(data):
    struct.unpack("!20s", data[:20])  # a short header fails here, with struct.error
    result = parse_ipv4_header(b"\x45" + data[1:20])
    result.update(version=data[0] >> 4, header_length=(data[0] & 0x0F) * 4)
    return result


def ipv4_flags_swapped(data):
    result = parse_ipv4_header(data)
    word = struct.unpack_from("!H", data, 6)[0]
    result["flags"] = {n for n, b in (("DF", 0x2000), ("MF", 0x4000)) if word & b}
    return result


def ipv4_extra_key(data):
    return parse_ipv4_header(data) | {"options": b""}


IPV4_WRONG = [
    wrong(ipv4_extra_key, {"returns-dict"}, "unexpected 'options'"),
    wrong(
        variant(parse_ipv4_header, header_length=lambda r, d: d[0] & 0x0F),
        {"header-length"},
        "multiply it by 4",
    ),
    wrong(
        variant(parse_ipv4_header, header_length=lambda r, d: (d[0] >> 4) * 4),
        {"header-length"},
        "IHL is the low nibble",
    ),
    wrong(
        variant(
            parse_ipv4_header,
            version=lambda r, d: d[0] & 0x0F,
            header_length=lambda r, d: (d[0] >> 4) * 4,
        ),
        {"version", "header-length"},
        "the version is the high nibble",
    ),
    wrong(ipv4_little_endian, {"total-length-and-id"}, "big-endian"),
    wrong(ipv4_signed, {"unsigned"}, "signed struct format"),
    wrong(ipv4_flags_swapped, {"flags"}, "DF and MF are swapped"),
    wrong(variant(parse_ipv4_header, flags=lambda r, d: sorted(r["flags"])), {"flags"}, "a set"),
    wrong(
        variant(parse_ipv4_header, fragment_offset=lambda r, d: r["fragment_offset"] // 8),
        {"fragment-offset"},
        "8-byte blocks",
    ),
    wrong(
        variant(parse_ipv4_header, fragment_offset=lambda r, d: struct.unpack_from("!H", d, 6)[0]),
        {"fragment-offset"},
        "mask the word with 0x1FFF",
    ),
    wrong(variant(parse_ipv4_header, dscp=lambda r, d: d[1]), {"dscp-and-ecn"}, "shift right by 2"),
    wrong(
        variant(parse_ipv4_header, source=lambda r, d: d[12:16]),
        {"addresses"},
        "ipaddress.IPv4Address",
    ),
    wrong(
        variant(
            parse_ipv4_header,
            source=lambda r, d: ipaddress.IPv4Address(d[16:20]),
            destination=lambda r, d: ipaddress.IPv4Address(d[12:16]),
        ),
        {"addresses"},
        "the other address",
    ),
    wrong(
        variant(parse_ipv4_header, ttl=lambda r, d: d[9], protocol=lambda r, d: d[8]),
        {"ttl-and-protocol"},
        "ttl (byte 8)",
    ),
    wrong(
        variant(parse_ipv4_header, checksum=lambda r, d: struct.unpack_from("!H", d, 12)[0]),
        {"checksum-field"},
        "checksum (bytes 10-11, as stored)",
    ),
    wrong(ipv4_no_validation, {"rejects-bad-input"}, "ValueError"),
]


def tcp_little_endian(data):
    result = parse_tcp_header(data)
    sport, dport, seq, ack, _, _, window, checksum, urgent = struct.unpack("<HHIIBBHHH", data[:20])
    result.update(
        source_port=sport,
        destination_port=dport,
        sequence=seq,
        acknowledgment=ack,
        window=window,
        checksum=checksum,
        urgent_pointer=urgent,
    )
    return result


def tcp_signed(data):
    result = parse_tcp_header(data)
    values = struct.unpack("!hhiibbhhh", data[:20])
    keys = ("source_port", "destination_port", "sequence", "acknowledgment")
    result.update(zip(keys, values[:4], strict=True))
    result.update(window=values[6], checksum=values[7], urgent_pointer=values[8])
    return result


def tcp_flags_reversed(data):
    result = parse_tcp_header(data)
    result["flags"] = {
        name for bit, name in enumerate(reversed(TCP_FLAGS)) if data[13] & (1 << bit)
    }
    return result


def tcp_no_validation(data):
    fields = struct.unpack("!HHIIBBHHH", data[:20])
    result = parse_tcp_header(data[:12] + b"\x50" + data[13:20])
    result["header_length"] = (fields[4] >> 4) * 4
    return result


def tcp_extra_key(data):
    return parse_tcp_header(data) | {"options": b""}


TCP_WRONG = [
    wrong(tcp_extra_key, {"returns-dict"}, "unexpected 'options'"),
    wrong(tcp_little_endian, {"ports"}, "big-endian"),
    wrong(tcp_signed, {"unsigned"}, "signed struct format"),
    wrong(
        variant(parse_tcp_header, header_length=lambda r, d: d[12] >> 4),
        {"header-length"},
        "multiply it by 4",
    ),
    wrong(
        variant(parse_tcp_header, header_length=lambda r, d: (d[12] & 0x0F) * 4),
        {"header-length"},
        "high nibble of byte 12",
    ),
    wrong(
        variant(parse_tcp_header, header_length=lambda r, d: d[12]),
        {"header-length"},
        "shift byte 12 right by 4",
    ),
    wrong(tcp_flags_reversed, {"flags"}, "lowest bit first"),
    wrong(variant(parse_tcp_header, flags=lambda r, d: d[13]), {"flags"}, "return a set of names"),
    wrong(
        variant(
            parse_tcp_header,
            source_port=lambda r, d: r["destination_port"],
            destination_port=lambda r, d: r["source_port"],
        ),
        {"ports"},
        "source_port",
    ),
    wrong(
        variant(
            parse_tcp_header,
            sequence=lambda r, d: r["acknowledgment"],
            acknowledgment=lambda r, d: r["sequence"],
        ),
        {"sequence-numbers"},
        "that is the acknowledgment number",
    ),
    wrong(
        variant(parse_tcp_header, urgent_pointer=lambda r, d: struct.unpack_from("!H", d, 16)[0]),
        {"window-checksum-urgent"},
        "urgent_pointer is",
    ),
    wrong(tcp_no_validation, {"rejects-bad-input"}, "ValueError"),
]


def payload_fixed_offsets(frame):
    if struct.unpack_from("!H", frame, 12)[0] != 0x0800 or frame[23] != 6:
        raise ValueError("not TCP over IPv4")
    return frame[14 + 20 + 20 :]


def payload_keeps_padding(frame):
    if struct.unpack_from("!H", frame, 12)[0] != 0x0800 or frame[23] != 6:
        raise ValueError("not TCP over IPv4")
    ip = parse_ipv4_header(frame[14:])
    tcp = parse_tcp_header(frame[14 + ip["header_length"] :])
    return frame[14 + ip["header_length"] + tcp["header_length"] :]


def payload_accepts_anything(frame):
    ip = parse_ipv4_header(frame[14:])
    packet = frame[14 : 14 + ip["total_length"]]
    return packet[
        ip["header_length"] + parse_tcp_header(packet[ip["header_length"] :])["header_length"] :
    ]


def payload_none_when_empty(frame):
    return tcp_payload(frame) or None  # "no data"


def payload_fixed_ip_header(frame):
    if struct.unpack_from("!H", frame, 12)[0] != 0x0800 or frame[23] != 6:
        raise ValueError("not TCP over IPv4")
    end = 14 + struct.unpack_from("!H", frame, 16)[0]
    tcp = parse_tcp_header(frame[34:end])  # "an IPv4 header is 20 bytes"
    return frame[34 + tcp["header_length"] : end]


def payload_as_memoryview(frame):
    return memoryview(tcp_payload(frame))


PAYLOAD_WRONG = [
    wrong(payload_fixed_offsets, {"data-segment", "ethernet-padding"}, "not a fixed 20"),
    wrong(payload_keeps_padding, {"ethernet-padding"}, "the padding is not data"),
    wrong(payload_none_when_empty, {"empty-segment"}, "NoneType, not bytes"),
    wrong(payload_fixed_ip_header, {"ip-options"}, "raised ValueError"),
    wrong(payload_accepts_anything, {"rejects-non-tcp"}, "ValueError"),
    wrong(payload_as_memoryview, {"returns-bytes"}, "return bytes"),
]


def checksum_not_masked(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total


def checksum_little_endian(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"<{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def checksum_drops_carries(data):
    if len(data) % 2:
        data += b"\x00"
    return ~sum(struct.unpack(f"!{len(data) // 2}H", data)) & 0xFFFF


def checksum_folds_once(data):
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    return ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF


def checksum_ignores_odd_byte(data):
    return internet_checksum(data[: len(data) // 2 * 2])


def checksum_pads_in_front(data):
    return internet_checksum(b"\x00" + data if len(data) % 2 else data)


def checksum_no_complement(data):
    return ~internet_checksum(data) & 0xFFFF


def checksum_zeroes_the_field(data):
    if len(data) >= 12:
        data = data[:10] + b"\x00\x00" + data[12:]  # "the checksum is computed over zeros"
    return internet_checksum(data)


def checksum_as_float(data):
    return float(internet_checksum(data))


CHECKSUM_WRONG = [
    wrong(checksum_as_float, {"returns-int"}, "float"),
    wrong(checksum_not_masked, {"sixteen-bits"}, "~total & 0xFFFF"),
    wrong(checksum_little_endian, {"rfc1071-example"}, "bytes swapped"),
    wrong(checksum_drops_carries, {"end-around-carry"}, "carry"),
    wrong(checksum_folds_once, {"end-around-carry"}, "folding can carry again"),
    wrong(checksum_zeroes_the_field, {"verifies-header"}, "expected 0x0000"),
    wrong(checksum_ignores_odd_byte, {"odd-length"}, "left out"),
    wrong(checksum_pads_in_front, {"odd-length"}, "padded in front"),
    wrong(checksum_no_complement, {"rfc1071-example"}, "complement"),
]


class TestParseIPv4Header(ThreeWays):
    checklist = parsers.IPV4_CHECKS
    stubs = [right(stub)]
    references = [right(parse_ipv4_header)]
    corpus = IPV4_WRONG

    def check(self, case, only=None):
        return headers.check_parse_ipv4_header(case.answer, only)


class TestParseTCPHeader(ThreeWays):
    checklist = parsers.TCP_CHECKS
    stubs = [right(stub)]
    references = [right(parse_tcp_header)]
    corpus = TCP_WRONG

    def check(self, case, only=None):
        return headers.check_parse_tcp_header(case.answer, only)


class TestTCPPayload(ThreeWays):
    checklist = parsers.PAYLOAD_CHECKS
    stubs = [right(stub)]
    references = [right(tcp_payload)]
    corpus = PAYLOAD_WRONG

    def check(self, case, only=None):
        return headers.check_tcp_payload(case.answer, only)


class TestInternetChecksum(ThreeWays):
    checklist = checksum.CHECKS
    stubs = [right(stub)]
    references = [right(internet_checksum)]
    corpus = CHECKSUM_WRONG

    def check(self, case, only=None):
        return headers.check_internet_checksum(case.answer, only)


def test_references_agree_with_the_decoder_on_every_captured_frame():
    """The probes are synthetic; the captures are real. Both must agree with the references."""
    for name in ("tcp-echo.pcap", "udp-echo.pcap", "http-get.pcap"):
        for packet in read_pcap(ROOT / "data" / name).packets:
            frame = packet.data
            layers = {layer.name: layer for layer in decode_frame(frame)}
            ip = parse_ipv4_header(frame[14:])
            assert ip["header_length"] == layers["IPv4"].length
            assert ip["total_length"] == layers["IPv4"]["total length"]
            assert ip["source"] == layers["IPv4"]["source address"]
            assert internet_checksum(frame[14 : 14 + ip["header_length"]]) == 0
            if "TCP" in layers:
                tcp = parse_tcp_header(frame[14 + ip["header_length"] :])
                assert tcp["sequence"] == layers["TCP"]["sequence number"]
                assert tcp["header_length"] == layers["TCP"].length
                assert tcp_payload(frame) == layers["payload"]["data"]
