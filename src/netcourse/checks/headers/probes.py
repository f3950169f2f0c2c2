"""Packets built field by field, for the header checkers to feed to student parsers.

Each probe knows the values it was built from, so a checker compares a
parser's answer with those values rather than with another parser's.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

ETHERNET_ZERO_MACS = b"\x00" * 12
ETHERTYPES = {"IPv4": 0x0800, "ARP": 0x0806, "IPv6": 0x86DD}
MIN_ETHERNET_FRAME = 60  # without the frame check sequence; shorter frames are padded
IPV4_FLAG_BITS = {"DF": 0b010, "MF": 0b001}
TCP_FLAG_BITS = {
    "FIN": 0x01,
    "SYN": 0x02,
    "RST": 0x04,
    "PSH": 0x08,
    "ACK": 0x10,
    "URG": 0x20,
    "ECE": 0x40,
    "CWR": 0x80,
}


def ones_complement_checksum(data: bytes) -> int:
    """The Internet checksum of RFC 1071, used to build headers that verify."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@dataclass(frozen=True)
class IPv4Probe:
    """An IPv4 header (and what follows it) described by its field values."""

    tos: int = 0
    identification: int = 0x1C46
    flags: frozenset[str] = frozenset({"DF"})
    fragment_offset: int = 0  # in bytes, a multiple of 8
    ttl: int = 64
    protocol: int = 6
    source: str = "192.0.2.10"
    destination: str = "198.51.100.7"
    options: bytes = b""
    payload: bytes = b""
    total_length: int | None = None  # None: header plus payload
    checksum: int | None = None  # None: the correct checksum
    version: int = 4
    ihl: int | None = None  # None: from the options' length

    @property
    def header_length(self) -> int:
        return 20 + len(self.options)

    def _header(self, checksum: int) -> bytes:
        ihl = self.header_length // 4 if self.ihl is None else self.ihl
        total = self.header_length + len(self.payload)
        flag_bits = sum(IPV4_FLAG_BITS[name] for name in self.flags)
        return (
            struct.pack(
                "!BBHHHBBH4s4s",
                self.version << 4 | ihl,
                self.tos,
                total if self.total_length is None else self.total_length,
                self.identification,
                flag_bits << 13 | self.fragment_offset // 8,
                self.ttl,
                self.protocol,
                checksum,
                ipaddress.IPv4Address(self.source).packed,
                ipaddress.IPv4Address(self.destination).packed,
            )
            + self.options
        )

    def header(self) -> bytes:
        if self.checksum is not None:
            return self._header(self.checksum)
        return self._header(ones_complement_checksum(self._header(0)))

    def packet(self) -> bytes:
        return self.header() + self.payload

    def expected(self) -> dict[str, object]:
        """What ``parse_ipv4_header`` should return for this header."""
        return {
            "version": self.version,
            "header_length": self.header_length,
            "dscp": self.tos >> 2,
            "ecn": self.tos & 0b11,
            "total_length": struct.unpack_from("!H", self.header(), 2)[0],
            "identification": self.identification,
            "flags": set(self.flags),
            "fragment_offset": self.fragment_offset,
            "ttl": self.ttl,
            "protocol": self.protocol,
            "checksum": struct.unpack_from("!H", self.header(), 10)[0],
            "source": ipaddress.IPv4Address(self.source),
            "destination": ipaddress.IPv4Address(self.destination),
        }


@dataclass(frozen=True)
class TCPProbe:
    """A TCP header (and its data) described by its field values."""

    source_port: int = 30000
    destination_port: int = 443
    sequence: int = 0x2B3F0A2E
    acknowledgment: int = 0
    flags: frozenset[str] = frozenset({"SYN"})
    window: int = 29200
    checksum: int = 0x1C9B  # not verified by the parsers, so any value will do
    urgent_pointer: int = 0
    options: bytes = b""
    payload: bytes = b""
    data_offset: int | None = None  # None: from the options' length

    @property
    def header_length(self) -> int:
        return 20 + len(self.options)

    def header(self) -> bytes:
        words = self.header_length // 4 if self.data_offset is None else self.data_offset
        flag_bits = sum(TCP_FLAG_BITS[name] for name in self.flags)
        return (
            struct.pack(
                "!HHIIBBHHH",
                self.source_port,
                self.destination_port,
                self.sequence,
                self.acknowledgment,
                words << 4,
                flag_bits,
                self.window,
                self.checksum,
                self.urgent_pointer,
            )
            + self.options
        )

    def segment(self) -> bytes:
        return self.header() + self.payload

    def expected(self) -> dict[str, object]:
        """What ``parse_tcp_header`` should return for this header."""
        return {
            "source_port": self.source_port,
            "destination_port": self.destination_port,
            "sequence": self.sequence,
            "acknowledgment": self.acknowledgment,
            "header_length": self.header_length,
            "flags": set(self.flags),
            "window": self.window,
            "checksum": self.checksum,
            "urgent_pointer": self.urgent_pointer,
        }


@dataclass(frozen=True)
class FrameProbe:
    """An Ethernet frame around an IPv4 packet, padded to the Ethernet minimum as on a wire."""

    ip: IPv4Probe = field(default_factory=IPv4Probe)
    ethertype: int = ETHERTYPES["IPv4"]
    pad: bool = True

    def frame(self) -> bytes:
        frame = ETHERNET_ZERO_MACS + struct.pack("!H", self.ethertype) + self.ip.packet()
        if self.pad and len(frame) < MIN_ETHERNET_FRAME:
            frame += b"\x00" * (MIN_ETHERNET_FRAME - len(frame))
        return frame


# TCP options as Linux sends them: MSS, SACK permitted, timestamps, NOP, window scale.
SYN_OPTIONS = bytes.fromhex("020405b40402080a0a1b2c3d000000000103030a")
# NOP, NOP, timestamps: what every later segment of such a connection carries.
TIMESTAMP_OPTIONS = bytes.fromhex("0101080a0a1b2c5e3c4d5e6f")
# IP router alert (RFC 2113), as IGMP and RSVP messages carry it.
ROUTER_ALERT = bytes.fromhex("94040000")
