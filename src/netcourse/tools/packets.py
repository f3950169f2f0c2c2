"""Decoding captured frames into layers and fields, each with where its bytes lie.

Used to show encapsulation (which bytes belong to which header) and to draw
TCP conversations from real captures. Every field records its byte offset in
the frame, so a display can highlight exactly the bytes it came from.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

ETHERTYPE_IPV4, ETHERTYPE_IPV6 = 0x0800, 0x86DD
PROTO_TCP, PROTO_UDP = 6, 17
TCP_FLAGS = ("FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR")


@dataclass(frozen=True)
class Field:
    """One header field: its name, decoded value, and its bytes' place in the frame."""

    name: str
    offset: int
    length: int
    value: object
    text: str


@dataclass(frozen=True)
class Layer:
    """One protocol's header (or the payload), at ``offset`` for ``length`` bytes."""

    name: str
    offset: int
    length: int
    fields: tuple[Field, ...]

    def __getitem__(self, name: str) -> object:
        for field in self.fields:
            if field.name == name:
                return field.value
        raise KeyError(name)


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _ethernet(frame: bytes, at: int) -> tuple[Layer, int, int]:
    dst, src, ethertype = struct.unpack_from("!6s6sH", frame, at)
    fields = (
        Field("destination MAC", at, 6, dst, _mac(dst)),
        Field("source MAC", at + 6, 6, src, _mac(src)),
        Field("EtherType", at + 12, 2, ethertype, f"0x{ethertype:04x}"),
    )
    return Layer("Ethernet", at, 14, fields), at + 14, ethertype


def _ipv4(frame: bytes, at: int) -> tuple[Layer, int, int, int]:
    (version_ihl, tos, total, ident, flags_frag, ttl, proto, checksum, src, dst) = (
        struct.unpack_from("!BBHHHBBH4s4s", frame, at)
    )
    ihl = (version_ihl & 0x0F) * 4
    flags = flags_frag >> 13
    flag_names = [n for bit, n in ((0b010, "DF"), (0b001, "MF")) if flags & bit]
    fields = (
        Field("version", at, 1, version_ihl >> 4, str(version_ihl >> 4)),
        Field("header length", at, 1, ihl, f"{ihl} bytes ({version_ihl & 0x0F} words)"),
        Field("DSCP/ECN", at + 1, 1, tos, f"0x{tos:02x}"),
        Field("total length", at + 2, 2, total, f"{total} bytes"),
        Field("identification", at + 4, 2, ident, f"0x{ident:04x}"),
        Field("flags", at + 6, 1, flags, ", ".join(flag_names) or "none"),
        Field("fragment offset", at + 6, 2, flags_frag & 0x1FFF, str(flags_frag & 0x1FFF)),
        Field("TTL", at + 8, 1, ttl, str(ttl)),
        Field(
            "protocol",
            at + 9,
            1,
            proto,
            {6: "6 (TCP)", 17: "17 (UDP)", 1: "1 (ICMP)"}.get(proto, str(proto)),
        ),
        Field("header checksum", at + 10, 2, checksum, f"0x{checksum:04x}"),
        Field(
            "source address",
            at + 12,
            4,
            ipaddress.IPv4Address(src),
            str(ipaddress.IPv4Address(src)),
        ),
        Field(
            "destination address",
            at + 16,
            4,
            ipaddress.IPv4Address(dst),
            str(ipaddress.IPv4Address(dst)),
        ),
    )
    if ihl > 20:
        fields += (
            Field("options", at + 20, ihl - 20, frame[at + 20 : at + ihl], f"{ihl - 20} bytes"),
        )
    return Layer("IPv4", at, ihl, fields), at + ihl, proto, at + total


def _ipv6(frame: bytes, at: int) -> tuple[Layer, int, int, int]:
    first, payload, next_header, hops, src, dst = struct.unpack_from("!IHBB16s16s", frame, at)
    fields = (
        Field("version", at, 1, first >> 28, str(first >> 28)),
        Field("traffic class", at, 2, (first >> 20) & 0xFF, f"0x{(first >> 20) & 0xFF:02x}"),
        Field("flow label", at + 1, 3, first & 0xFFFFF, f"0x{first & 0xFFFFF:05x}"),
        Field("payload length", at + 4, 2, payload, f"{payload} bytes"),
        Field(
            "next header",
            at + 6,
            1,
            next_header,
            {6: "6 (TCP)", 17: "17 (UDP)"}.get(next_header, str(next_header)),
        ),
        Field("hop limit", at + 7, 1, hops, str(hops)),
        Field(
            "source address",
            at + 8,
            16,
            ipaddress.IPv6Address(src),
            str(ipaddress.IPv6Address(src)),
        ),
        Field(
            "destination address",
            at + 24,
            16,
            ipaddress.IPv6Address(dst),
            str(ipaddress.IPv6Address(dst)),
        ),
    )
    return Layer("IPv6", at, 40, fields), at + 40, next_header, at + 40 + payload


def tcp_flag_names(flags: int) -> list[str]:
    return [name for bit, name in enumerate(TCP_FLAGS) if flags & (1 << bit)]


def _tcp(frame: bytes, at: int) -> tuple[Layer, int]:
    src, dst, seq, ack, offset_flags, window, checksum, urgent = struct.unpack_from(
        "!HHIIHHHH", frame, at
    )
    length = (offset_flags >> 12) * 4
    flags = offset_flags & 0xFF
    fields = (
        Field("source port", at, 2, src, str(src)),
        Field("destination port", at + 2, 2, dst, str(dst)),
        Field("sequence number", at + 4, 4, seq, str(seq)),
        Field("acknowledgment number", at + 8, 4, ack, str(ack)),
        Field("header length", at + 12, 1, length, f"{length} bytes ({offset_flags >> 12} words)"),
        Field("flags", at + 13, 1, flags, " ".join(tcp_flag_names(flags)) or "none"),
        Field("window", at + 14, 2, window, str(window)),
        Field("checksum", at + 16, 2, checksum, f"0x{checksum:04x}"),
        Field("urgent pointer", at + 18, 2, urgent, str(urgent)),
    )
    if length > 20:
        fields += (
            Field(
                "options",
                at + 20,
                length - 20,
                frame[at + 20 : at + length],
                f"{length - 20} bytes",
            ),
        )
    return Layer("TCP", at, length, fields), at + length


def _udp(frame: bytes, at: int) -> tuple[Layer, int]:
    src, dst, length, checksum = struct.unpack_from("!HHHH", frame, at)
    fields = (
        Field("source port", at, 2, src, str(src)),
        Field("destination port", at + 2, 2, dst, str(dst)),
        Field("length", at + 4, 2, length, f"{length} bytes"),
        Field("checksum", at + 6, 2, checksum, f"0x{checksum:04x}"),
    )
    return Layer("UDP", at, 8, fields), at + 8


def decode_frame(frame: bytes) -> list[Layer]:
    """Split an Ethernet frame into its layers, from Ethernet down to the payload."""
    layers = []
    ethernet, at, ethertype = _ethernet(frame, 0)
    layers.append(ethernet)
    end = len(frame)
    if ethertype == ETHERTYPE_IPV4:
        ip, at, proto, end = _ipv4(frame, at)
    elif ethertype == ETHERTYPE_IPV6:
        ip, at, proto, end = _ipv6(frame, at)
    else:
        return layers
    layers.append(ip)
    if proto == PROTO_TCP:
        transport, at = _tcp(frame, at)
    elif proto == PROTO_UDP:
        transport, at = _udp(frame, at)
    else:
        return layers
    layers.append(transport)
    payload = frame[at:end]
    layers.append(
        Layer(
            "payload", at, len(payload), (Field("data", at, len(payload), payload, repr(payload)),)
        )
    )
    return layers


@dataclass(frozen=True)
class Segment:
    """One TCP segment of a conversation, as a sequence diagram shows it."""

    time: float
    source: tuple[str, int]
    destination: tuple[str, int]
    flags: tuple[str, ...]
    seq: int
    ack: int
    payload: bytes


def tcp_segments(frames: list[tuple[float, bytes]]) -> list[Segment]:
    """The TCP segments among ``(timestamp, frame)`` pairs, in capture order."""
    segments = []
    for timestamp, frame in frames:
        layers = {layer.name: layer for layer in decode_frame(frame)}
        ip = layers.get("IPv4") or layers.get("IPv6")
        tcp = layers.get("TCP")
        if ip is None or tcp is None:
            continue
        segments.append(
            Segment(
                time=timestamp,
                source=(str(ip["source address"]), tcp["source port"]),
                destination=(str(ip["destination address"]), tcp["destination port"]),
                flags=tuple(tcp_flag_names(tcp["flags"])),
                seq=tcp["sequence number"],
                ack=tcp["acknowledgment number"],
                payload=layers["payload"]["data"],
            )
        )
    return segments
