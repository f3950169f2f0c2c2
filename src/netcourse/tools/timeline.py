"""Who waited and who worked, when: spans of time on named lanes, drawn as a timeline.

    timeline = nc.timeline.Timeline()
    with timeline.span("client A", "waits for its echo"):
        ...
    timeline.mark("server", "accept() returns")
    timeline.draw()

Spans may be recorded from any thread; times are seconds since the
timeline was made (``time.perf_counter``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Span", "Timeline"]

COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


@dataclass(frozen=True)
class Span:
    lane: str
    label: str
    start: float
    end: float  # equal to start for a mark


class Timeline:
    """Spans and marks on lanes, in the order the lanes were first used."""

    def __init__(self) -> None:
        self.origin = time.perf_counter()
        self.spans: list[Span] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.perf_counter() - self.origin

    @contextlib.contextmanager
    def span(self, lane: str, label: str) -> Iterator[None]:
        """Record the time the ``with`` block takes as a span on ``lane``."""
        start = self.now()
        try:
            yield
        finally:
            self.add(Span(lane, label, start, self.now()))

    def mark(self, lane: str, label: str) -> None:
        """Record a moment on ``lane``."""
        moment = self.now()
        self.add(Span(lane, label, moment, moment))

    def add(self, span: Span) -> None:
        with self._lock:
            self.spans.append(span)

    @property
    def lanes(self) -> list[str]:
        return list(dict.fromkeys(s.lane for s in self.spans))

    def draw(self, ax: Any = None, title: str = "") -> Any:
        """Each lane a row, each span a bar coloured by its label (named in the legend, and
        inside the bar when it is wide enough), each mark a tick; return the axes."""
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch

        lanes = self.lanes
        if ax is None:
            _, ax = plt.subplots(figsize=(11, 0.7 * len(lanes) + 1.6))
        labels = list(dict.fromkeys(s.label for s in self.spans if s.end > s.start))
        colour = {label: COLOURS[i % len(COLOURS)] for i, label in enumerate(labels)}
        end = max((s.end for s in self.spans), default=1.0)
        for span in self.spans:
            row = len(lanes) - 1 - lanes.index(span.lane)
            width = span.end - span.start
            if width > 0:
                ax.barh(row, width, left=span.start, height=0.5, color=colour[span.label])
                if width > 0.15 * end:
                    ax.text(span.start + width / 2, row, span.label, va="center",
                            ha="center", fontsize=8, color="white")  # fmt: skip
            else:
                ax.plot([span.start], [row], marker="|", markersize=18, color="black")
                ax.text(span.start, row + 0.32, span.label, ha="center", fontsize=8)
        ax.set_yticks(range(len(lanes)), list(reversed(lanes)))
        ax.set_xlabel("seconds")
        ax.set_xlim(0, end * 1.02)
        ax.set_ylim(-0.6, len(lanes) - 0.2)
        ax.legend(handles=[Patch(color=colour[label], label=label) for label in labels],
                  loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=4, fontsize=8,
                  frameon=False)  # fmt: skip
        if title:
            ax.set_title(title)
        return ax
