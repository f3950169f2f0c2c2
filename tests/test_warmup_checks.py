"""The 00-welcome warm-up checker, three ways: the stub, the reference, realistic wrong answers."""

import pytest

from netcourse.checks import FAILED, PASSED
from netcourse.checks.warmup import check_frame_line


def reference(text: str) -> bytes:
    if "\n" in text:
        raise ValueError("newline")
    return text.encode("utf-8") + b"\n"


def stub(text: str) -> bytes:
    raise NotImplementedError()


def test_stub_is_not_attempted():
    report = check_frame_line(stub)
    assert report.not_attempted
    assert report.results[0].message.startswith("not attempted")


def test_reference_passes_every_check():
    report = check_frame_line(reference)
    assert [r.status for r in report.results] == [PASSED] * 4, str(report)
    report.require()


def returns_str(text):
    if "\n" in text:
        raise ValueError
    return text + "\n"


def no_newline(text):
    if "\n" in text:
        raise ValueError
    return text.encode("utf-8")


def crlf(text):
    if "\n" in text:
        raise ValueError
    return text.encode("utf-8") + b"\r\n"


def ascii_only(text):
    if "\n" in text:
        raise ValueError
    return text.encode("ascii") + b"\n"


def latin1_replace(text):
    if "\n" in text:
        raise ValueError
    return text.encode("latin-1", errors="replace") + b"\n"


def accepts_newlines(text):
    return text.encode("utf-8") + b"\n"


def wrong_exception(text):
    if "\n" in text:
        raise TypeError("no newlines")
    return text.encode("utf-8") + b"\n"


def strips_newlines(text):
    return text.replace("\n", " ").encode("utf-8") + b"\n"


WRONG = [
    (returns_str, {"returns-bytes", "ends-with-newline", "utf-8"}, "sockets carry bytes"),
    (no_newline, {"ends-with-newline", "utf-8"}, "no newline"),
    (crlf, {"ends-with-newline", "utf-8"}, "bare b'\\n'"),
    (ascii_only, {"utf-8"}, "UnicodeEncodeError"),
    (latin1_replace, {"utf-8"}, "encoded as UTF-8"),
    (accepts_newlines, {"rejects-newline"}, "raise ValueError instead"),
    (wrong_exception, {"rejects-newline"}, "raised TypeError"),
    (strips_newlines, {"rejects-newline"}, "would end the message early"),
]


@pytest.mark.parametrize(("wrong", "failing", "phrase"), WRONG, ids=[w[0].__name__ for w in WRONG])
def test_wrong_answer_fails_exactly_the_right_checks(wrong, failing, phrase):
    report = check_frame_line(wrong)
    assert {r.id for r in report.results if r.status == FAILED} == failing, str(report)
    assert not report.not_attempted
    messages = " ".join(r.message for r in report.results)
    assert phrase in messages, str(report)
