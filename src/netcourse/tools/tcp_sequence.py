"""A TCP conversation from a capture, as a table and as a sequence diagram.

Each segment becomes one arrow between the two ends, in capture order, with
its flags and its real sequence and acknowledgement numbers (or, with
``relative=True``, numbers counted from each side's first sequence number,
as Wireshark shows them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .packets import Segment


@dataclass(frozen=True)
class Row:
    """One segment as the table and the diagram show it."""

    number: int
    from_client: bool
    flags: str
    seq: int
    ack: int | None  # None when the ACK flag is off: the field means nothing then
    length: int
    payload: bytes


def rows(segments: list[Segment], relative: bool = False) -> list[Row]:
    """The segments of one connection; the client is the side that sent the first segment."""
    if not segments:
        return []
    client = segments[0].source
    first_seq: dict[tuple[str, int], int] = {}
    for s in segments:
        first_seq.setdefault(s.source, s.seq)
    found = []
    for number, s in enumerate(segments, 1):
        seq, ack = s.seq, s.ack if "ACK" in s.flags else None
        if relative:
            seq -= first_seq[s.source]
            if ack is not None:
                ack -= first_seq.get(s.destination, ack)
        found.append(
            Row(number, s.source == client, ", ".join(s.flags), seq, ack, len(s.payload), s.payload)
        )
    return found


def table(segments: list[Segment], relative: bool = False) -> str:
    """One line per segment: direction, flags, seq, ack, payload."""
    lines = [f"{'#':>2}  {'direction':<16} {'flags':<13} {'seq':>10} {'ack':>10}  payload"]
    for r in rows(segments, relative):
        direction = "client -> server" if r.from_client else "server -> client"
        ack = "" if r.ack is None else str(r.ack)
        lines.append(
            f"{r.number:>2}  {direction:<16} {r.flags:<13} {r.seq:>10} {ack:>10}  "
            + (repr(r.payload) if r.payload else "")
        )
    return "\n".join(lines)


def draw(segments: list[Segment], ax: Any = None, relative: bool = False) -> Any:
    """Draw the segments as a sequence diagram on ``ax`` (a new figure if None); return ``ax``."""
    import matplotlib.pyplot as plt

    found = rows(segments, relative)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.55 * len(found) + 1.2))
    client, server = segments[0].source, segments[0].destination
    ax.set_xlim(-0.2, 1.2)
    ax.set_ylim(len(found) + 0.6, -0.4)
    ax.axis("off")
    for x, (host, port), name in ((0, client, "client"), (1, server, "server")):
        ax.plot([x, x], [0.1, len(found) + 0.5], color="0.55", linewidth=1)
        ax.text(x, -0.05, f"{name}\n{host}:{port}", ha="center", va="bottom", fontsize=9)
    for r in found:
        start, end = (0, 1) if r.from_client else (1, 0)
        y = r.number - 0.2
        color = "tab:blue" if r.from_client else "tab:orange"
        ax.annotate(
            "",
            xy=(end, y + 0.45),
            xytext=(start, y),
            arrowprops={"arrowstyle": "->", "color": color, "linewidth": 1.4},
        )
        label = f"{r.flags}  seq={r.seq}" + ("" if r.ack is None else f"  ack={r.ack}")
        if r.length:
            label += f"  + {r.length} bytes {r.payload[:12]!r}"
        box = {"facecolor": "white", "edgecolor": "none", "pad": 1}
        ax.text(0.5, y + 0.225, label, ha="center", va="center", fontsize=8, color=color, bbox=box)
    return ax


def from_capture(path: str | Path) -> list[Segment]:
    """The TCP segments in a pcap file (an assignment ships its captures beside its notebook)."""
    from .packets import tcp_segments
    from .pcap import read_pcap

    capture = read_pcap(path)
    return tcp_segments([(p.timestamp, p.data) for p in capture.packets])
