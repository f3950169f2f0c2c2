"""Checks for the stretch exercise of 01: ``internet_checksum(data) -> int`` (RFC 1071).

The Internet checksum is the ones' complement of the ones' complement sum of
the data's 16-bit big-endian words. IPv4 headers, ICMP, UDP and TCP all use it.
Each check targets one step that is easy to get wrong: the carries folded
back in, the padding of an odd byte, the complement kept to 16 bits.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

from ..harness.core import (
    CheckFailure,
    Checklist,
    Report,
    call_student,
    describe_call,
    fault_of,
)
from .parsers import IPV4_OPTIONS, IPV4_PLAIN

Checksum = Callable[[bytes], int]
CHECKS: Checklist[Checksum] = Checklist("internet_checksum")

# RFC 1071 section 3's worked example: these bytes sum to 0xddf2, so the checksum is 0x220d.
RFC1071_EXAMPLE = bytes.fromhex("0001f203f4f5f6f7")


def _checksum(internet_checksum: Checksum, data: bytes) -> int:
    """The student's result as a 16-bit pattern (its type and range are checks of their own)."""
    result = call_student(internet_checksum, data, name="internet_checksum")
    if not isinstance(result, int) or isinstance(result, bool):
        raise fault_of("returns-int", f"internet_checksum returned a {type(result).__name__}")
    return result & 0xFFFF


def _words(data: bytes, order: str = "!") -> tuple[int, ...]:
    if len(data) % 2:
        data += b"\x00"
    return struct.unpack(f"{order}{len(data) // 2}H", data)


def _fold(total: int, times: int = 99) -> int:
    for _ in range(times):
        if not total >> 16:
            break
        total = (total & 0xFFFF) + (total >> 16)
    return total


def _mistakes(data: bytes) -> dict[int, str]:
    """What the usual wrong checksums of ``data`` come out as, and the check each belongs to:
    the RFC 1071 example shows a byte order or a complement gone wrong, end-around-carry
    the carries."""
    total = sum(_words(data))
    found = {
        ~_fold(sum(_words(data, "<"))) & 0xFFFF: "rfc1071-example",
        _fold(total): "rfc1071-example",
        ~total & 0xFFFF: "end-around-carry",
        ~_fold(total, 1) & 0xFFFF: "end-around-carry",
    }
    right = ~_fold(total) & 0xFFFF
    found.pop(right, None)
    return found


def _expect(internet_checksum: Checksum, data: bytes, expected: int, hints: dict[int, str]) -> None:
    found = _checksum(internet_checksum, data)
    if found != expected:
        hint = hints.get(found, "")
        message = (
            f"{describe_call('internet_checksum', (data,))} gave 0x{found:04x}: "
            + (f"{hint}; " if hint else "")
            + f"expected 0x{expected:04x}"
        )
        owner = _mistakes(data).get(found)
        raise fault_of(owner, message) if owner else CheckFailure(message)


@CHECKS.check("returns-int")
def _returns_int(internet_checksum: Checksum) -> None:
    result = call_student(internet_checksum, RFC1071_EXAMPLE, name="internet_checksum")
    if not isinstance(result, int) or isinstance(result, bool):
        raise CheckFailure(
            f"internet_checksum returned a {type(result).__name__}; it should return an int"
        )


@CHECKS.check("sixteen-bits")
def _sixteen_bits(internet_checksum: Checksum) -> None:
    for data in (RFC1071_EXAMPLE, b"\x00\x00", IPV4_PLAIN.header()):
        result = call_student(internet_checksum, data, name="internet_checksum")
        if isinstance(result, int) and not 0 <= result <= 0xFFFF:
            raise CheckFailure(
                f"{describe_call('internet_checksum', (data,))} returned {result}, outside "
                "0..0xFFFF: Python's ~ gives a negative int (~x == -x - 1); keep 16 bits "
                "with ~total & 0xFFFF"
            )


@CHECKS.check("rfc1071-example")
def _rfc_example(internet_checksum: Checksum) -> None:
    _expect(
        internet_checksum,
        RFC1071_EXAMPLE,
        0x220D,
        {
            0x0D22: "that is the right value with its bytes swapped: the words are "
            "big-endian ('!H' or int.from_bytes(..., 'big'))",
            0xDDF2: "that is the sum before the final complement: return ~total & 0xFFFF",
        },
    )


@CHECKS.check("verifies-header")
def _verifies_header(internet_checksum: Checksum) -> None:
    for probe in (IPV4_PLAIN, IPV4_OPTIONS):
        header = probe.header()
        _expect(
            internet_checksum,
            header,
            0,
            {
                0xFFFF: "the sum over a header whose checksum is right is 0xFFFF, and its "
                "complement 0: was the complement left out?"
            },
        )
        stored = int.from_bytes(header[10:12], "big")
        zeroed = header[:10] + b"\x00\x00" + header[12:]
        _expect(internet_checksum, zeroed, stored, {})


@CHECKS.check("end-around-carry")
def _end_around_carry(internet_checksum: Checksum) -> None:
    # 0xffff + 0xffff + 0xffff + 0x0002 = 0x2ffff: folding once gives 0x10001, which
    # carries again; folded to the end it is 0x0002, so the checksum is 0xfffd.
    data = bytes.fromhex("ffffffffffff0002")
    _expect(
        internet_checksum,
        data,
        0xFFFD,
        {
            0x0000: "the carry out of 16 bits was dropped: add it back in "
            "(total = (total & 0xFFFF) + (total >> 16)) until none is left",
            0xFFFE: "the carries were folded once, but folding can carry again: "
            "repeat while total >> 16",
        },
    )


@CHECKS.check("odd-length")
def _odd_length(internet_checksum: Checksum) -> None:
    _expect(
        internet_checksum,
        bytes.fromhex("0001f203f4f5f6f7ab"),
        0x770C,
        {
            0x220D: "the last, odd byte was left out: pad the data with one zero byte at the end",
            0x0C77: "the odd byte was padded in front; it is the high byte of a last word "
            "(pad with b'\\x00' at the end)",
        },
    )


def check_internet_checksum(
    internet_checksum: Checksum, only: Iterable[str] | None = None
) -> Report:
    """Run the visible checks on a student's ``internet_checksum``."""
    return CHECKS.run("internet_checksum", internet_checksum, only)
