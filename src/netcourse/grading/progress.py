"""What ``netcourse grade`` shows while it runs: a bar on a terminal, plain lines in a log.

The bar counts submissions (a student's work on one assignment), names the
ones being graded now and prints a line for each one as it finishes, with
its score. Written to a file or a pipe, there is no bar (a log full of bar
fragments helps nobody), only the same lines.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from tqdm import tqdm

from .results import Outcome


def finished_line(outcome: Outcome) -> str:
    """One finished submission: who, what, the score, the time, and what to know about it."""
    line = f"{outcome.student} {outcome.assignment}: {outcome.score:g}/{outcome.max_score:g}"
    line += f" in {outcome.seconds:.1f} s"
    if outcome.review:
        line += f", {len(outcome.review)} to review"
    if outcome.error:
        line += f" ({outcome.error})"
    return line


class Progress:
    """Progress of a grading run on ``stream`` (None: silent); safe to call from any thread."""

    def __init__(self, stream: TextIO | None = sys.stderr) -> None:
        self.stream = stream
        self.live = bool(stream is not None and stream.isatty())
        self._bar: tqdm | None = None
        self._now: list[str] = []
        self._lock = threading.Lock()

    def note(self, line: str) -> None:
        """A line of its own: what the run is doing before and after the grading."""
        with self._lock:
            self._write(line)

    def begin(self, total: int) -> None:
        with self._lock:
            if self.live:
                self._bar = tqdm(total=total, unit="submission", desc="grading", file=self.stream)
            else:
                self._write(f"grading {total} submissions")

    def started(self, student: str, assignment: str) -> None:
        with self._lock:
            self._now.append(f"{student} {assignment}")
            if self._bar is not None:
                self._bar.set_postfix_str("now: " + ", ".join(self._now))
            else:
                self._write(f"grading {student} {assignment}")

    def finished(self, outcome: Outcome) -> None:
        with self._lock:
            name = f"{outcome.student} {outcome.assignment}"
            if name in self._now:
                self._now.remove(name)
            self._write(finished_line(outcome))
            if self._bar is not None:
                self._bar.set_postfix_str("now: " + ", ".join(self._now), refresh=False)
                self._bar.update()

    def end(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    def _write(self, line: str) -> None:
        if self.stream is None:
            return
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)
