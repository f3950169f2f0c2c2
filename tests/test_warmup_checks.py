"""The 00-welcome warm-up checker, three ways: the stub, the reference, realistic wrong answers."""

from netcourse.checks import warmup

from .three_ways import ThreeWays, right, wrong


def reference(text: str) -> bytes:
    if "\n" in text:
        raise ValueError("newline")
    return text.encode("utf-8") + b"\n"


def stub(text: str) -> bytes:
    raise NotImplementedError()


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


class TestFrameLine(ThreeWays):
    checklist = warmup.CHECKS
    stubs = [right(stub)]
    references = [right(reference)]
    corpus = [
        wrong(returns_str, {"returns-bytes"}, "sockets carry bytes"),
        wrong(no_newline, {"ends-with-newline"}, "no newline"),
        wrong(crlf, {"ends-with-newline"}, "bare b'\\n'"),
        wrong(ascii_only, {"utf-8"}, "UnicodeEncodeError"),
        wrong(latin1_replace, {"utf-8"}, "encoded as UTF-8"),
        wrong(accepts_newlines, {"rejects-newline"}, "raise ValueError instead"),
        wrong(wrong_exception, {"rejects-newline"}, "raised TypeError"),
        wrong(strips_newlines, {"rejects-newline"}, "would end the message early"),
    ]

    def check(self, case, only=None):
        return warmup.check_frame_line(case.answer, only)
