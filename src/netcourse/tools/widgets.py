"""Interactive views for the notebooks, built from plain ipywidgets (no extra extension).

``EncapsulationExplorer`` shows a captured frame as a hex dump and lets the
student pick a layer and one of its fields: the bytes that belong to the
choice are highlighted and the fields are decoded beside them. The HTML it
writes carries stable classes and ``data-`` attributes (``nc-byte``,
``nc-hl``, ``data-offset``, ``data-layer``) so a browser test can find the
highlighted bytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as widgets

from .packets import Field, Layer, decode_frame, tcp_flag_names
from .pcap import read_pcap

BYTES_PER_ROW = 16
WHOLE_LAYER = -1

# Pale for "belongs to this layer", strong for "what you picked".
LAYER_COLOURS = {
    "Ethernet": ("#fde9b6", "#e0a100"),
    "IPv4": ("#d4efd0", "#3f9b38"),
    "IPv6": ("#d4efd0", "#3f9b38"),
    "TCP": ("#d5e6fa", "#2f7fd6"),
    "UDP": ("#d5e6fa", "#2f7fd6"),
    "payload": ("#eadcf5", "#8a4fc0"),
}
UNKNOWN_COLOURS = ("#e6e6e6", "#777777")

LAYER_ROLES = {
    "Ethernet": "link layer: which device on this link gets the frame (MAC addresses) "
    "and what the frame carries (EtherType)",
    "IPv4": "internet layer: which host, end to end across networks (IP addresses), "
    "hop limit (TTL), and which transport protocol is inside",
    "IPv6": "internet layer: which host, end to end across networks (IPv6 addresses), "
    "hop limit, and which transport protocol is inside",
    "TCP": "transport layer: which program on each host (ports), and the sequence and "
    "acknowledgment numbers that make a reliable byte stream",
    "UDP": "transport layer: which program on each host (ports) and a length; "
    "no connection, no retransmission",
    "payload": "application data: the bytes the program handed to its socket",
}

_STYLE = """
<style>
.nc-encap-view {font-family: var(--jp-code-font-family, monospace); font-size: 13px;}
.nc-encap-view .nc-bar {display: flex; margin: 4px 0 8px 0; border: 1px solid #999;}
.nc-encap-view .nc-bar div {padding: 2px 4px; overflow: hidden; white-space: nowrap;
  color: #111; font-size: 11px; border-right: 1px solid #999;}
.nc-encap-view .nc-row {white-space: pre; line-height: 1.6;}
.nc-encap-view .nc-off {color: #777; margin-right: 8px;}
.nc-encap-view .nc-byte {padding: 1px 2px; margin-right: 2px; color: #111;}
.nc-encap-view .nc-hl {color: #fff; font-weight: bold; outline: 1px solid #000;}
.nc-encap-view .nc-ascii {margin-left: 12px; color: #555;}
.nc-encap-view table {border-collapse: collapse; margin-top: 6px;}
.nc-encap-view td, .nc-encap-view th {padding: 1px 8px; text-align: left; color: inherit;}
.nc-encap-view tr.nc-picked {font-weight: bold;}
</style>
"""


def _colours(layer_name: str) -> tuple[str, str]:
    return LAYER_COLOURS.get(layer_name, UNKNOWN_COLOURS)


def frame_label(index: int, frame: bytes) -> str:
    """A one-line summary of a frame, as a capture tool's packet list shows it."""
    layers = {layer.name: layer for layer in decode_frame(frame)}
    ip = layers.get("IPv4") or layers.get("IPv6")
    transport = layers.get("TCP") or layers.get("UDP")
    if ip is None or transport is None:
        return f"#{index + 1}  {len(frame)} bytes"
    source = f"{ip['source address']}:{transport['source port']}"
    destination = f"{ip['destination address']}:{transport['destination port']}"
    what = transport.name
    if transport.name == "TCP":
        what += " " + " ".join(tcp_flag_names(transport["flags"]))
    payload = layers["payload"].length
    return f"#{index + 1}  {source} → {destination}  {what}  ({payload} bytes of data)"


def _ascii(chunk: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)


class EncapsulationExplorer(widgets.VBox):
    """A captured frame as a hex dump: pick a layer or a field to see its bytes and value."""

    def __init__(self, frames: Sequence[bytes], labels: Sequence[str] | None = None) -> None:
        if not frames:
            raise ValueError("EncapsulationExplorer needs at least one frame")
        self.frames = [bytes(frame) for frame in frames]
        labels = list(labels) if labels else [frame_label(i, f) for i, f in enumerate(frames)]
        self.packet = widgets.Dropdown(
            options=[(label, i) for i, label in enumerate(labels)],
            description="frame",
            layout=widgets.Layout(width="max-content"),
        )
        self.layer = widgets.ToggleButtons(description="layer")
        self.field = widgets.Dropdown(
            description="field", layout=widgets.Layout(width="max-content")
        )
        self.view = widgets.HTML()
        self.packet.add_class("nc-encap-packet")
        self.layer.add_class("nc-encap-layers")
        self.field.add_class("nc-encap-field")
        self.view.add_class("nc-encap-html")
        self.layers: list[Layer] = []
        super().__init__([self.packet, self.layer, self.field, self.view])
        self.add_class("nc-encap")
        self.packet.observe(self._on_packet, names="value")
        self.layer.observe(self._on_layer, names="value")
        self.field.observe(self._on_field, names="value")
        self._on_packet()

    @classmethod
    def from_pcap(cls, path: str | Path, first: int = 0, count: int | None = None):
        """An explorer over the frames of a pcap file (``count`` of them from ``first``)."""
        packets = read_pcap(path).packets
        chosen = packets[first : None if count is None else first + count]
        labels = [frame_label(first + i, p.data) for i, p in enumerate(chosen)]
        return cls([p.data for p in chosen], labels)

    @property
    def frame(self) -> bytes:
        return self.frames[self.packet.value]

    @property
    def selected_layer(self) -> Layer:
        return next(layer for layer in self.layers if layer.name == self.layer.value)

    @property
    def selected_field(self) -> Field | None:
        index = self.field.value
        return None if index in (None, WHOLE_LAYER) else self.selected_layer.fields[index]

    def highlighted(self) -> range:
        """The offsets of the bytes shown as picked: the chosen field, else the whole layer."""
        picked = self.selected_field or self.selected_layer
        return range(picked.offset, picked.offset + picked.length)

    def _on_packet(self, change: object = None) -> None:
        self.layers = decode_frame(self.frame)
        previous = self.layer.value
        names = [layer.name for layer in self.layers]
        with self.hold_trait_notifications():
            self.layer.options = names
            self.layer.value = previous if previous in names else names[0]
        self._on_layer()

    def _on_layer(self, change: object = None) -> None:
        layer = self.selected_layer
        options = [(f"whole {layer.name} header ({layer.length} bytes)", WHOLE_LAYER)]
        if layer.name == "payload":
            options = [(f"all {layer.length} bytes of data", WHOLE_LAYER)]
        options += [(field.name, i) for i, field in enumerate(layer.fields)]
        self.field.options = options
        self.field.value = WHOLE_LAYER
        self._render()

    def _on_field(self, change: object = None) -> None:
        self._render()

    def _render(self) -> None:
        layer, field = self.selected_layer, self.selected_field
        self.view.value = (
            _STYLE
            + f'<div class="nc-encap-view" data-layer="{html.escape(layer.name)}" '
            + f'data-field="{html.escape(field.name if field else "")}">'
            + self._bar_html()
            + self._hexdump_html()
            + self._fields_html()
            + "</div>"
        )

    def _bar_html(self) -> str:
        total = len(self.frame)
        parts = []
        for layer in self.layers:
            pale, strong = _colours(layer.name)
            colour = strong if layer.name == self.layer.value else pale
            width = max(layer.length / total * 100, 6)
            parts.append(
                f'<div style="flex: {width:.1f} 1 0; background:{colour}">'
                f"{html.escape(layer.name)} {layer.length} B</div>"
            )
        return f'<div class="nc-bar">{"".join(parts)}</div>'

    def _owner(self) -> list[Layer | None]:
        owner: list[Layer | None] = [None] * len(self.frame)
        for layer in self.layers:
            for offset in range(layer.offset, layer.offset + layer.length):
                owner[offset] = layer
        return owner

    def _hexdump_html(self) -> str:
        owner, picked = self._owner(), set(self.highlighted())
        rows = []
        for start in range(0, len(self.frame), BYTES_PER_ROW):
            chunk = self.frame[start : start + BYTES_PER_ROW]
            cells = []
            for offset, value in enumerate(chunk, start):
                layer = owner[offset]
                name = layer.name if layer else ""
                pale, strong = _colours(name)
                classes = "nc-byte nc-hl" if offset in picked else "nc-byte"
                colour = strong if offset in picked else pale
                cells.append(
                    f'<span class="{classes}" data-offset="{offset}" '
                    f'data-layer="{html.escape(name)}" style="background:{colour}" '
                    f'title="byte {offset}: {html.escape(name)}">{value:02x}</span>'
                )
            ascii_text = html.escape(_ascii(chunk))
            rows.append(
                f'<div class="nc-row"><span class="nc-off">{start:04x}</span>{"".join(cells)}'
                f'<span class="nc-ascii">{ascii_text}</span></div>'
            )
        return f'<div class="nc-hexdump">{"".join(rows)}</div>'

    def _fields_html(self) -> str:
        layer, field = self.selected_layer, self.selected_field
        rows = []
        for candidate in layer.fields:
            raw = self.frame[candidate.offset : candidate.offset + candidate.length]
            shown = raw.hex(" ") if len(raw) <= 16 else raw[:16].hex(" ") + " …"
            css = ' class="nc-picked"' if candidate == field else ""
            last = candidate.offset + candidate.length - 1
            where = str(last) if candidate.length == 1 else f"{candidate.offset}–{last}"
            rows.append(
                f"<tr{css}><td>{html.escape(candidate.name)}</td><td>{where}</td>"
                f"<td>{shown}</td><td>{html.escape(candidate.text)}</td></tr>"
            )
        role = html.escape(LAYER_ROLES.get(layer.name, ""))
        where = (
            f"bytes {layer.offset}–{layer.offset + layer.length - 1} of the frame"
            if layer.length
            else "no bytes in this frame"
        )
        return (
            f"<p><b>{html.escape(layer.name)}</b>, {where}: {role}</p>"
            "<table><tr><th>field</th><th>bytes at</th><th>raw</th><th>value</th></tr>"
            + "".join(rows)
            + "</table>"
        )
