"""Checks for the warm-up of 00-welcome: ``frame_line(text) -> bytes``.

The exercise: turn a line of text into the bytes a line-based protocol puts
on the wire, UTF-8 followed by one newline, refusing text that already holds
a newline (it would end the message early).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .harness.core import (
    CheckFailure,
    Checklist,
    Report,
    call_student,
    describe_call,
    fault_of,
    not_attempted,
)

FrameLine = Callable[[str], bytes]
CHECKS: Checklist[FrameLine] = Checklist("frame_line")


def _framed(frame_line: FrameLine, text: str, hints: dict | None = None) -> bytes:
    """The student's bytes for ``text``. A result that is not bytes at all is returns-bytes'
    fault; the other checks point there."""
    result = call_student(frame_line, text, name="frame_line", hints=hints)
    if not isinstance(result, bytes):
        raise fault_of(
            "returns-bytes",
            f"{describe_call('frame_line', (text,))} returned a {type(result).__name__}, not bytes",
        )
    return result


@CHECKS.check("returns-bytes")
def _returns_bytes(frame_line: FrameLine) -> None:
    result = call_student(frame_line, "hello", name="frame_line")
    if isinstance(result, str):
        raise CheckFailure(
            f"frame_line('hello') returned the str {result!r}: sockets carry bytes, "
            "so encode the text with text.encode('utf-8')"
        )
    if not isinstance(result, bytes):
        raise CheckFailure(
            f"frame_line('hello') returned a {type(result).__name__}; it should return bytes"
        )


@CHECKS.check("ends-with-newline")
def _ends_with_newline(frame_line: FrameLine) -> None:
    result = _framed(frame_line, "hello")
    if result == b"hello\n":
        return
    if result == b"hello":
        raise CheckFailure(
            "frame_line('hello') returned b'hello' with no newline: the newline is what "
            "tells the receiver where the message ends; add b'\\n'"
        )
    if result == b"hello\r\n":
        raise CheckFailure(
            "frame_line('hello') ends with b'\\r\\n': this protocol ends a line with a bare b'\\n'"
        )
    raise CheckFailure(f"frame_line('hello') returned {result!r}; expected b'hello\\n'")


@CHECKS.check("utf-8")
def _encodes_utf8(frame_line: FrameLine) -> None:
    text = "naïve café ☕"
    expected = text.encode("utf-8") + b"\n"
    hint = "encode with 'utf-8', which can encode every character (ASCII cannot)"
    result = _framed(frame_line, text, {UnicodeEncodeError: hint})
    if result == expected:
        return
    message = (
        f"{describe_call('frame_line', (text,))} returned {result!r}: the text must be "
        f"encoded as UTF-8 (str.encode('utf-8')); expected {expected!r}"
    )
    if result.rstrip(b"\r\n") == text.encode("utf-8"):
        raise fault_of("ends-with-newline", message)  # the right bytes, the wrong ending
    raise CheckFailure(message)


@CHECKS.check("rejects-newline")
def _rejects_newline(frame_line: FrameLine) -> None:
    text = "two\nlines"
    label = describe_call("frame_line", (text,))
    try:
        result = frame_line(text)
    except ValueError:
        return
    except NotImplementedError:
        raise not_attempted(label) from None
    except Exception as exc:
        raise CheckFailure(
            f"{label} raised {type(exc).__name__}; raise ValueError for text that contains "
            "a newline (the usual exception for a bad argument value)"
        ) from None
    raise CheckFailure(
        f"{label} returned {result!r}: a newline inside the text would end the message early, "
        "so the receiver would see two messages; raise ValueError instead"
    )


def check_frame_line(frame_line: FrameLine, only: Iterable[str] | None = None) -> Report:
    """Run the warm-up's visible checks on a student's ``frame_line``."""
    return CHECKS.run("frame_line", frame_line, only)
