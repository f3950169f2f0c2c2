"""Checks for 01-layers-and-addresses: IPv4 and TCP header parsers and the payload they frame.

The exercises: ``parse_ipv4_header(data) -> dict`` and ``parse_tcp_header(data)
-> dict`` unpack a header with ``struct``; ``tcp_payload(frame) -> bytes`` uses
the header lengths to find the application data in a captured Ethernet frame.
Each check feeds headers built from known field values (see ``probes``) and
names the usual mistake behind a wrong value: byte order, a length counted in
words, the wrong nibble, a flag bit misread, a signed format.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Callable, Iterable
from typing import Any

from ..harness.core import (
    CheckFailure,
    Checklist,
    Report,
    call_student,
    describe_call,
    fault_of,
    not_attempted,
)
from .probes import (
    ETHERNET_ZERO_MACS,
    ETHERTYPES,
    ROUTER_ALERT,
    SYN_OPTIONS,
    TIMESTAMP_OPTIONS,
    FrameProbe,
    IPv4Probe,
    TCPProbe,
)

Parser = Callable[[bytes], dict]
Payload = Callable[[bytes], bytes]
IPV4_CHECKS: Checklist[Parser] = Checklist("parse_ipv4_header")
TCP_CHECKS: Checklist[Parser] = Checklist("parse_tcp_header")
PAYLOAD_CHECKS: Checklist[Payload] = Checklist("tcp_payload")

IPV4_KEYS = (
    "version",
    "header_length",
    "dscp",
    "ecn",
    "total_length",
    "identification",
    "flags",
    "fragment_offset",
    "ttl",
    "protocol",
    "checksum",
    "source",
    "destination",
)
TCP_KEYS = (
    "source_port",
    "destination_port",
    "sequence",
    "acknowledgment",
    "header_length",
    "flags",
    "window",
    "checksum",
    "urgent_pointer",
)

# A TCP segment in a plain 20-byte header; an IGMP report with the router-alert
# option; the second fragment of a UDP datagram; a header whose every field has
# its top bit set, which a signed struct format reads as negative.
IPV4_PLAIN = IPv4Probe(payload=bytes(40))
IPV4_OPTIONS = IPv4Probe(
    tos=0x23,
    identification=0x0BAD,
    flags=frozenset(),
    ttl=1,
    protocol=2,
    destination="224.0.0.22",
    options=ROUTER_ALERT,
    payload=bytes(16),
)
IPV4_FRAGMENT = IPv4Probe(
    tos=0x4A,
    identification=0x2A7B,
    flags=frozenset({"MF"}),
    fragment_offset=1480,
    ttl=57,
    protocol=17,
    source="203.0.113.5",
    payload=bytes(1480),
)
IPV4_HIGH_BITS = IPv4Probe(
    tos=0xB8, identification=0xF00D, ttl=255, protocol=17, total_length=65000, checksum=0xC3A5
)

TCP_SYN = TCPProbe(options=SYN_OPTIONS)
TCP_DATA = TCPProbe(
    source_port=443,
    destination_port=30000,
    sequence=0x1A2B3C4D,
    acknowledgment=0x2B3F0A2F,
    flags=frozenset({"PSH", "ACK"}),
    window=501,
    checksum=0x5E1F,
    options=TIMESTAMP_OPTIONS,
    payload=b"HTTP/1.1 200 OK\r\n",
)
TCP_FLAG_PROBES = (
    TCPProbe(flags=frozenset({"FIN", "ACK"}), sequence=7001, acknowledgment=9001),
    TCPProbe(flags=frozenset({"RST"}), sequence=7002, window=0),
    TCPProbe(flags=frozenset({"SYN", "ECE", "CWR"}), options=SYN_OPTIONS),
    TCPProbe(flags=frozenset({"URG", "ACK", "PSH"}), urgent_pointer=1, payload=b"!"),
)
TCP_HIGH_BITS = TCPProbe(
    source_port=60999,
    destination_port=50000,
    sequence=0xFEDCBA98,
    acknowledgment=0x89ABCDEF,
    flags=frozenset({"ACK", "URG"}),
    window=0xFAF0,
    checksum=0xC0DE,
    urgent_pointer=0x8001,
)


def _swapped16(value: int) -> int:
    return int.from_bytes(value.to_bytes(2, "big"), "little")


def _swapped32(value: int) -> int:
    return int.from_bytes(value.to_bytes(4, "big"), "little")


def _parse(parse: Parser, name: str, data: bytes) -> dict:
    result = call_student(parse, data, name=name)
    if not isinstance(result, dict):
        raise CheckFailure(
            f"{name}(...) returned a {type(result).__name__}; it should return a dict "
            "with one key per field"
        )
    return result


def _get(result: dict, key: str, name: str) -> Any:
    if key not in result:
        raise CheckFailure(f"{name}(...) returned a dict without the key {key!r}")
    return result[key]


def _require_keys(result: dict, keys: tuple[str, ...], name: str) -> None:
    missing = [k for k in keys if k not in result]
    extra = [k for k in result if k not in keys]
    problems = []
    if missing:
        problems.append(f"missing {', '.join(map(repr, missing))}")
    if extra:
        problems.append(f"unexpected {', '.join(map(repr, extra))}")
    if problems:
        raise CheckFailure(
            f"{name}(...) returned a dict with {'; '.join(problems)}: "
            f"the keys are exactly {', '.join(keys)}"
        )


def _compare(
    actual: Any,
    expected: Any,
    what: str,
    mistakes: dict[Any, str] | None = None,
    byte_order: str = "",
) -> None:
    """Fail unless equal; name the mistake when the wrong value is a known one.

    ``byte_order`` names the check that owns a byte-order mistake (the first multi-byte
    field): a value read with its bytes swapped is that check's fault.
    """
    if isinstance(actual, int) and not isinstance(actual, bool) and actual < 0 <= expected:
        raise CheckFailure(
            f"{what} is {actual}, a negative number: a signed struct format (b, h, i) read a "
            "field whose top bit is set; header fields are unsigned (B, H, I)"
        )
    if type(actual) is type(expected) and actual == expected:
        return
    hint = (mistakes or {}).get(actual) if isinstance(actual, int | str) else None
    message = f"{what} is {actual!r}" + (
        f": {hint}; expected {expected!r}" if hint else (f"; expected {expected!r}")
    )
    if hint == BYTE_ORDER and byte_order:
        raise fault_of(byte_order, message)
    raise CheckFailure(message)


BYTE_ORDER = (
    "that is the value with its bytes swapped: network byte order is big-endian, so unpack "
    "with '!' (or '>') at the start of the struct format"
)


# -- IPv4 ---------------------------------------------------------------------------


def _ipv4(parse: Parser, probe: IPv4Probe) -> dict:
    return _parse(parse, "parse_ipv4_header", probe.packet())


@IPV4_CHECKS.check("returns-dict")
def _ipv4_returns_dict(parse: Parser) -> None:
    result = _ipv4(parse, IPV4_PLAIN)
    _require_keys(result, IPV4_KEYS, "parse_ipv4_header")


@IPV4_CHECKS.check("version")
def _ipv4_version(parse: Parser) -> None:
    for probe in (IPV4_PLAIN, IPV4_OPTIONS):
        version = _get(_ipv4(parse, probe), "version", "parse_ipv4_header")
        ihl = probe.header_length // 4
        _compare(
            version,
            4,
            "version",
            {ihl: "that is the IHL: the version is the high nibble of byte 0, data[0] >> 4"},
        )


@IPV4_CHECKS.check("header-length")
def _ipv4_header_length(parse: Parser) -> None:
    for probe in (IPV4_PLAIN, IPV4_OPTIONS):
        found = _get(_ipv4(parse, probe), "header_length", "parse_ipv4_header")
        words = probe.header_length // 4
        _compare(
            found,
            probe.header_length,
            f"header_length of a {probe.header_length}-byte header",
            {
                words: "the IHL field counts 32-bit words, so multiply it by 4 for bytes",
                16: "that is the version nibble times 4: IHL is the low nibble, data[0] & 0x0F",
                4: "that is the version nibble: IHL is the low nibble, data[0] & 0x0F",
            },
        )


@IPV4_CHECKS.check("total-length-and-id")
def _ipv4_lengths(parse: Parser) -> None:
    for probe in (IPV4_PLAIN, IPV4_OPTIONS, IPV4_FRAGMENT):
        result = _ipv4(parse, probe)
        expected = probe.expected()
        for key in ("total_length", "identification"):
            value = expected[key]
            _compare(
                _get(result, key, "parse_ipv4_header"),
                value,
                key,
                {_swapped16(value): BYTE_ORDER},
                byte_order="total-length-and-id",
            )


@IPV4_CHECKS.check("ttl-and-protocol")
def _ipv4_ttl_protocol(parse: Parser) -> None:
    for probe in (IPV4_PLAIN, IPV4_OPTIONS, IPV4_FRAGMENT):
        result = _ipv4(parse, probe)
        _compare(_get(result, "ttl", "parse_ipv4_header"), probe.ttl, "ttl (byte 8)")
        _compare(_get(result, "protocol", "parse_ipv4_header"), probe.protocol, "protocol (byte 9)")


@IPV4_CHECKS.check("checksum-field")
def _ipv4_checksum_field(parse: Parser) -> None:
    for probe in (IPV4_PLAIN, IPV4_OPTIONS):
        expected = probe.expected()["checksum"]
        found = _get(_ipv4(parse, probe), "checksum", "parse_ipv4_header")
        _compare(
            found,
            expected,
            "checksum (bytes 10-11, as stored)",
            {_swapped16(expected): BYTE_ORDER},
            byte_order="total-length-and-id",
        )


@IPV4_CHECKS.check("addresses")
def _ipv4_addresses(parse: Parser) -> None:
    for probe in (IPV4_PLAIN, IPV4_OPTIONS):
        result = _ipv4(parse, probe)
        expected = probe.expected()
        for key, where in (("source", "bytes 12-15"), ("destination", "bytes 16-19")):
            found = _get(result, key, "parse_ipv4_header")
            if isinstance(found, bytes | str | int) and not isinstance(found, bool):
                raise CheckFailure(
                    f"{key} is the {type(found).__name__} {found!r}; return an "
                    "ipaddress.IPv4Address, e.g. ipaddress.IPv4Address(data[12:16])"
                )
            if found == expected["destination" if key == "source" else "source"]:
                raise CheckFailure(
                    f"{key} is {found}, which is the other address: the source address is "
                    "bytes 12-15, the destination bytes 16-19"
                )
            _compare(found, expected[key], f"{key} ({where})")


@IPV4_CHECKS.check("dscp-and-ecn")
def _ipv4_dscp_ecn(parse: Parser) -> None:
    for probe in (IPV4_PLAIN, IPV4_OPTIONS, IPV4_FRAGMENT):
        result = _ipv4(parse, probe)
        tos = probe.tos
        _compare(
            _get(result, "dscp", "parse_ipv4_header"),
            tos >> 2,
            f"dscp of the byte 0x{tos:02x}",
            {tos: "DSCP is the top six bits of byte 1: shift right by 2"} if tos else None,
        )
        _compare(
            _get(result, "ecn", "parse_ipv4_header"),
            tos & 0b11,
            f"ecn of the byte 0x{tos:02x}",
            {tos >> 6: "ECN is the two lowest bits of byte 1: mask with 0b11"} if tos else None,
        )


@IPV4_CHECKS.check("flags")
def _ipv4_flags(parse: Parser) -> None:
    swapped = {"DF": "MF", "MF": "DF"}
    for probe in (IPV4_PLAIN, IPV4_OPTIONS, IPV4_FRAGMENT):
        found = _get(_ipv4(parse, probe), "flags", "parse_ipv4_header")
        if not isinstance(found, set | frozenset):
            raise CheckFailure(
                f"flags is the {type(found).__name__} {found!r}; return a set of names, "
                "e.g. {'DF'} or set()"
            )
        expected = set(probe.flags)
        little = struct.unpack_from("<H", probe.header(), 6)[0]
        if found != expected and found == {
            n for n, b in (("DF", 0x4000), ("MF", 0x2000)) if little & b
        }:
            raise fault_of(
                "total-length-and-id",
                f"flags is {found}, read from the word at bytes 6-7 "
                f"with its bytes swapped: {BYTE_ORDER}",
            )
        if found == {swapped[name] for name in expected} and found != expected:
            raise CheckFailure(
                f"flags is {found}, expected {expected}: DF and MF are swapped. In the 16-bit "
                "word at bytes 6-7, 0x4000 is DF (don't fragment) and 0x2000 is MF (more "
                "fragments); 0x8000 is reserved"
            )
        if found != expected:
            raise CheckFailure(
                f"flags is {found}; expected {expected or 'set()'}: the flags are the top three "
                "bits of the 16-bit word at bytes 6-7 (reserved, DF = 0x4000, MF = 0x2000)"
            )


@IPV4_CHECKS.check("fragment-offset")
def _ipv4_fragment_offset(parse: Parser) -> None:
    for probe in (IPV4_PLAIN, IPV4_FRAGMENT):
        offset = probe.fragment_offset
        word = struct.unpack_from("!H", probe.header(), 6)[0]
        found = _get(_ipv4(parse, probe), "fragment_offset", "parse_ipv4_header")
        mistakes = {
            word: "the flag bits are still in: mask the word with 0x1FFF",
            word * 8: "the flag bits are still in: mask the word with 0x1FFF before multiplying",
        }
        if offset:
            mistakes[offset // 8] = "the field counts 8-byte blocks: multiply it by 8 for bytes"
        little = struct.unpack_from("<H", probe.header(), 6)[0]
        mistakes.setdefault((little & 0x1FFF) * 8, BYTE_ORDER)
        _compare(found, offset, "fragment_offset", mistakes, byte_order="total-length-and-id")


def _no_negatives(result: dict, keys: tuple[str, ...], name: str) -> None:
    """Values read with a signed format come out negative; other faults are other checks'."""
    for key in keys:
        value = _get(result, key, name)
        if isinstance(value, int) and value < 0:
            raise CheckFailure(
                f"{key} is {value}, a negative number: a signed struct format (b, h, i) read "
                "a field whose top bit is set; header fields are unsigned (B, H, I)"
            )


@IPV4_CHECKS.check("unsigned")
def _ipv4_unsigned(parse: Parser) -> None:
    keys = ("dscp", "total_length", "identification", "ttl", "checksum")
    _no_negatives(_ipv4(parse, IPV4_HIGH_BITS), keys, "parse_ipv4_header")


def _expect_value_error(function: Callable, data: bytes, name: str, why: str) -> None:
    label = describe_call(name, (data,))
    try:
        result = function(data)
    except ValueError:
        return
    except NotImplementedError:
        raise not_attempted(label) from None
    except Exception as exc:
        kind = type(exc).__name__
        if type(exc).__module__ != "builtins":
            kind = f"{type(exc).__module__}.{kind}"
        raise CheckFailure(
            f"{label} raised {kind}, not ValueError: {why}; check the input first ({exc})"
        ) from None
    raise CheckFailure(f"{label} returned {result!r:.24} instead of raising ValueError: {why}")


@IPV4_CHECKS.check("rejects-bad-input")
def _ipv4_rejects(parse: Parser) -> None:
    name = "parse_ipv4_header"
    _expect_value_error(
        parse, IPV4_PLAIN.header()[:19], name, "an IPv4 header has 20 bytes or more"
    )
    ipv6 = bytes.fromhex("6000000000140640") + bytes(32)
    _expect_value_error(parse, ipv6, name, "the version nibble is 6: this is an IPv6 packet")
    _expect_value_error(
        parse, IPv4Probe(ihl=4).header(), name, "an IHL below 5 (20 bytes) is never valid"
    )
    cut = IPv4Probe(options=ROUTER_ALERT).header()[:20]
    _expect_value_error(parse, cut, name, "IHL says 24 bytes of header but only 20 are there")


def check_parse_ipv4_header(parse_ipv4_header: Parser, only: Iterable[str] | None = None) -> Report:
    """Run the visible checks on a student's ``parse_ipv4_header``."""
    return IPV4_CHECKS.run("parse_ipv4_header", parse_ipv4_header, only)


# -- TCP ----------------------------------------------------------------------------


def _tcp(parse: Parser, probe: TCPProbe) -> dict:
    return _parse(parse, "parse_tcp_header", probe.segment())


@TCP_CHECKS.check("returns-dict")
def _tcp_returns_dict(parse: Parser) -> None:
    _require_keys(_tcp(parse, TCP_DATA), TCP_KEYS, "parse_tcp_header")


@TCP_CHECKS.check("ports")
def _tcp_ports(parse: Parser) -> None:
    for probe in (TCP_SYN, TCP_DATA):
        result = _tcp(parse, probe)
        for key in ("source_port", "destination_port"):
            value = getattr(probe, key)
            _compare(
                _get(result, key, "parse_tcp_header"),
                value,
                key,
                {_swapped16(value): BYTE_ORDER},
                byte_order="ports",
            )
        if result["source_port"] == probe.destination_port != probe.source_port:
            raise CheckFailure("source_port and destination_port are swapped")


@TCP_CHECKS.check("sequence-numbers")
def _tcp_sequence_numbers(parse: Parser) -> None:
    for probe in (TCP_SYN, TCP_DATA):
        result = _tcp(parse, probe)
        for key, other in (("sequence", "acknowledgment"), ("acknowledgment", "sequence")):
            value = getattr(probe, key)
            mistakes = {
                getattr(probe, other): f"that is the {other} number; the sequence number is "
                "bytes 4-7, the acknowledgment number bytes 8-11"
            }
            if value:
                mistakes[_swapped32(value)] = BYTE_ORDER
            _compare(
                _get(result, key, "parse_tcp_header"), value, key, mistakes, byte_order="ports"
            )


@TCP_CHECKS.check("header-length")
def _tcp_header_length(parse: Parser) -> None:
    for probe in (TCP_SYN, TCP_DATA, TCP_FLAG_PROBES[1]):
        words = probe.header_length // 4
        found = _get(_tcp(parse, probe), "header_length", "parse_tcp_header")
        _compare(
            found,
            probe.header_length,
            f"header_length of a {probe.header_length}-byte header",
            {
                words: "the data offset counts 32-bit words, so multiply it by 4 for bytes",
                0: "the data offset is the high nibble of byte 12 (data[12] >> 4); the low "
                "nibble is reserved",
                words << 4: "shift byte 12 right by 4: the data offset is its high nibble",
            },
        )


@TCP_CHECKS.check("flags")
def _tcp_flags(parse: Parser) -> None:
    for probe in (TCP_SYN, TCP_DATA, *TCP_FLAG_PROBES):
        found = _get(_tcp(parse, probe), "flags", "parse_tcp_header")
        expected = set(probe.flags)
        if not isinstance(found, set | frozenset):
            raise CheckFailure(
                f"flags is the {type(found).__name__} {found!r}; return a set of names "
                "such as {'SYN', 'ACK'}"
            )
        if found != expected:
            raise CheckFailure(
                f"flags of a {'+'.join(sorted(expected))} segment is {found}: the flags are "
                "byte 13, lowest bit first: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, "
                "URG 0x20, ECE 0x40, CWR 0x80"
            )


@TCP_CHECKS.check("window-checksum-urgent")
def _tcp_window_checksum_urgent(parse: Parser) -> None:
    for probe in (TCP_SYN, TCP_DATA, TCP_FLAG_PROBES[3]):
        result = _tcp(parse, probe)
        for key in ("window", "checksum", "urgent_pointer"):
            value = getattr(probe, key)
            _compare(
                _get(result, key, "parse_tcp_header"),
                value,
                key,
                {_swapped16(value): BYTE_ORDER} if value else None,
                byte_order="ports",
            )


@TCP_CHECKS.check("unsigned")
def _tcp_unsigned(parse: Parser) -> None:
    keys = tuple(k for k in TCP_KEYS if k not in ("flags", "header_length"))
    _no_negatives(_tcp(parse, TCP_HIGH_BITS), keys, "parse_tcp_header")


@TCP_CHECKS.check("rejects-bad-input")
def _tcp_rejects(parse: Parser) -> None:
    name = "parse_tcp_header"
    _expect_value_error(parse, TCP_DATA.header()[:19], name, "a TCP header has 20 bytes or more")
    _expect_value_error(
        parse, TCPProbe(data_offset=4).header(), name, "a data offset below 5 is never valid"
    )
    cut = TCP_SYN.header()[:20]
    _expect_value_error(parse, cut, name, "the data offset says 40 bytes but only 20 are there")


def check_parse_tcp_header(parse_tcp_header: Parser, only: Iterable[str] | None = None) -> Report:
    """Run the visible checks on a student's ``parse_tcp_header``."""
    return TCP_CHECKS.run("parse_tcp_header", parse_tcp_header, only)


# -- the payload inside a frame -------------------------------------------------------


# A statsd counter over UDP: long enough that reading it as TCP does not fail by itself.
STATSD_OVER_UDP = FrameProbe(
    IPv4Probe(protocol=17, payload=bytes.fromhex("9c401fbd001a0000") + b"requests.count:1|c")
)
# Who has 192.0.2.1? Tell 192.0.2.10.
ARP_REQUEST = (
    b"\xff" * 6
    + bytes.fromhex("02fc00000001")
    + struct.pack("!H", ETHERTYPES["ARP"])
    + bytes.fromhex("000108000604000102fc00000001c000020a000000000000c0000201")
    + bytes(18)
)
IPV6_FRAME = (
    ETHERNET_ZERO_MACS
    + struct.pack("!H", ETHERTYPES["IPv6"])
    + bytes.fromhex("6000000000080640")
    + ipaddress.IPv6Address("::1").packed * 2
    + TCPProbe().header()[:8]
)


def _tcp_frame(tcp: TCPProbe, **ip: Any) -> FrameProbe:
    return FrameProbe(IPv4Probe(payload=tcp.segment(), **ip))


def _payload(tcp_payload: Callable[[bytes], bytes], frame: FrameProbe, what: str) -> bytes:
    result = call_student(tcp_payload, frame.frame(), name="tcp_payload")
    if not isinstance(result, bytes):
        raise fault_of(
            "returns-bytes",
            f"tcp_payload returned a {type(result).__name__}, not bytes: return bytes (slicing "
            f"a bytes object gives bytes); this was for {what}",
        )
    return result


# Where a payload would start if both headers always had 20 bytes.
FIXED_OFFSET = 14 + 20 + 20


def _expect_payload(tcp_payload: Callable, frame: FrameProbe, expected: bytes, what: str) -> None:
    """The payload must be ``expected``; one cut at fixed header lengths is data-segment's
    fault (the first check with a header longer than 20 bytes)."""
    found = _payload(tcp_payload, frame, what)
    if found != expected:
        shown = repr(found) if len(found) <= 8 else f"{len(found)} bytes"
        message = f"tcp_payload returned {shown} for {what}: expected {expected!r}"
        if found == frame.frame()[FIXED_OFFSET:]:
            raise fault_of("data-segment", f"{message}: the headers were taken as 20 bytes each")
        raise CheckFailure(message)


@PAYLOAD_CHECKS.check("returns-bytes")
def _payload_returns_bytes(tcp_payload: Callable) -> None:
    _payload(tcp_payload, _tcp_frame(TCP_DATA), "a data segment")


@PAYLOAD_CHECKS.check("data-segment")
def _payload_data(tcp_payload: Callable) -> None:
    frame = _tcp_frame(TCP_DATA)
    found = _payload(tcp_payload, frame, "a data segment")
    if found.endswith(TCP_DATA.payload) and len(found) > len(TCP_DATA.payload):
        raise CheckFailure(
            f"tcp_payload returned {len(found) - len(TCP_DATA.payload)} bytes too many at the "
            "start: this segment's TCP header is 32 bytes (options included); skip "
            "header_length bytes, not a fixed 20"
        )
    _expect_payload(tcp_payload, frame, TCP_DATA.payload, "a segment with 32-byte TCP header")


@PAYLOAD_CHECKS.check("empty-segment")
def _payload_empty(tcp_payload: Callable) -> None:
    _expect_payload(tcp_payload, _tcp_frame(TCP_SYN), b"", "a SYN segment (40-byte TCP header)")


@PAYLOAD_CHECKS.check("ip-options")
def _payload_ip_options(tcp_payload: Callable) -> None:
    tcp = TCPProbe(flags=frozenset({"PSH", "ACK"}), payload=b"hello\n")
    frame = _tcp_frame(tcp, options=ROUTER_ALERT)
    _expect_payload(tcp_payload, frame, b"hello\n", "a 24-byte IPv4 header (with options)")


@PAYLOAD_CHECKS.check("ethernet-padding")
def _payload_padding(tcp_payload: Callable) -> None:
    tcp = TCPProbe(flags=frozenset({"PSH", "ACK"}), payload=b"hi")
    frame = _tcp_frame(tcp)
    found = _payload(tcp_payload, frame, "a short frame")
    if found.startswith(b"hi") and len(found) > 2:
        raise CheckFailure(
            f"tcp_payload kept the padding of a short frame: it returned {found!r}. Ethernet "
            "pads a frame to 60 bytes, but the padding is not data; the IPv4 total length "
            "says where the packet ends"
        )
    _expect_payload(tcp_payload, frame, b"hi", "a short, padded frame")


@PAYLOAD_CHECKS.check("rejects-non-tcp")
def _payload_rejects(tcp_payload: Callable) -> None:
    cases = (
        (STATSD_OVER_UDP.frame(), "the IPv4 protocol field is 17: this is UDP, not TCP"),
        (ARP_REQUEST, "the EtherType is 0x0806: an ARP message, not IPv4"),
        (IPV6_FRAME, "the EtherType is 0x86dd: IPv6, which this function does not handle"),
    )
    for frame, why in cases:
        _expect_value_error(tcp_payload, frame, "tcp_payload", why)


def check_tcp_payload(tcp_payload: Payload, only: Iterable[str] | None = None) -> Report:
    """Run the visible checks on a student's ``tcp_payload``."""
    return PAYLOAD_CHECKS.run("tcp_payload", tcp_payload, only)
