"""Reading and writing the classic pcap file format (the one tcpdump writes by default).

The format is small enough to read with ``struct`` alone, which is also how
the course teaches binary headers: a 24-byte file header, then for each
packet a 16-byte record header followed by the captured bytes. Newer
``pcapng`` files are not supported; ``tcpdump -w`` and Wireshark's "pcap"
option write this classic format.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LINKTYPE_ETHERNET = 1
_MAGIC_MICRO = 0xA1B2C3D4
_MAGIC_NANO = 0xA1B23C4D
_FILE_HEADER = "IHHiIII"  # magic, version major/minor, tz offset, sigfigs, snaplen, link type
_RECORD_HEADER = "IIII"  # seconds, sub-second units, captured length, original length


class PcapError(ValueError):
    """The file is not a classic pcap file, or it is cut short."""


@dataclass(frozen=True)
class CapturedPacket:
    """One captured frame: when it was seen, and its bytes from the link layer up."""

    timestamp: float
    data: bytes
    original_length: int


@dataclass(frozen=True)
class Capture:
    link_type: int
    packets: list[CapturedPacket]


def read_pcap(path: str | Path) -> Capture:
    """Read every packet of a classic pcap file."""
    blob = Path(path).read_bytes()
    if len(blob) < 24:
        raise PcapError(f"{path}: too short for a pcap file header")
    for order in ("<", ">"):
        magic = struct.unpack_from(order + "I", blob)[0]
        if magic in (_MAGIC_MICRO, _MAGIC_NANO):
            break
    else:
        raise PcapError(f"{path}: not a classic pcap file (pcapng is not supported)")
    scale = 1e-6 if magic == _MAGIC_MICRO else 1e-9
    *_, link_type = struct.unpack_from(order + _FILE_HEADER, blob)
    packets, offset = [], 24
    while offset < len(blob):
        if offset + 16 > len(blob):
            raise PcapError(f"{path}: truncated record header at byte {offset}")
        seconds, fraction, captured, original = struct.unpack_from(
            order + _RECORD_HEADER, blob, offset
        )
        offset += 16
        if offset + captured > len(blob):
            raise PcapError(f"{path}: truncated packet at byte {offset}")
        data = blob[offset : offset + captured]
        packets.append(CapturedPacket(seconds + fraction * scale, data, original))
        offset += captured
    return Capture(link_type, packets)


def write_pcap(
    path: str | Path, packets: Iterable[tuple[float, bytes]], link_type: int = LINKTYPE_ETHERNET
) -> None:
    """Write ``(timestamp, frame)`` pairs as a little-endian, microsecond pcap file."""
    chunks = [struct.pack("<" + _FILE_HEADER, _MAGIC_MICRO, 2, 4, 0, 0, 65535, link_type)]
    for timestamp, data in packets:
        seconds, micros = divmod(round(timestamp * 1e6), 1_000_000)
        chunks.append(struct.pack("<" + _RECORD_HEADER, seconds, micros, len(data), len(data)))
        chunks.append(data)
    Path(path).write_bytes(b"".join(chunks))
