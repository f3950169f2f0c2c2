"""The encapsulation explorer: picking a frame, a layer or a field moves the highlight."""

import re
import subprocess
import sys

import pytest

from netcourse.tools.packets import decode_frame
from netcourse.tools.pcap import read_pcap
from netcourse.tools.widgets import EncapsulationExplorer, frame_label

from .conftest import ROOT

TCP_ECHO = ROOT / "data" / "tcp-echo.pcap"


def highlighted_offsets(html: str) -> list[int]:
    """What a browser would find: the data-offset of every byte marked nc-hl."""
    return [
        int(offset) for offset in re.findall(r'class="nc-byte nc-hl" data-offset="(\d+)"', html)
    ]


@pytest.fixture
def explorer():
    return EncapsulationExplorer.from_pcap(TCP_ECHO)


def test_it_opens_on_the_first_frame_with_ethernet_picked(explorer):
    assert explorer.layer.options == ("Ethernet", "IPv4", "TCP", "payload")
    assert explorer.layer.value == "Ethernet"
    assert explorer.highlighted() == range(0, 14)
    assert highlighted_offsets(explorer.view.value) == list(range(14))
    assert 'data-layer="Ethernet"' in explorer.view.value
    assert "nc-encap" in explorer._dom_classes
    assert "nc-encap-layers" in explorer.layer._dom_classes


def test_picking_a_layer_highlights_its_header(explorer):
    explorer.layer.value = "TCP"
    assert explorer.highlighted() == range(34, 74), "the SYN's TCP header has 40 bytes"
    assert highlighted_offsets(explorer.view.value) == list(range(34, 74))
    assert "sequence number" in explorer.view.value
    assert [label for label, _ in explorer.field.options][1] == "source port"


def test_picking_a_field_narrows_the_highlight(explorer):
    explorer.layer.value = "IPv4"
    explorer.field.value = next(v for label, v in explorer.field.options if label == "TTL")
    assert explorer.highlighted() == range(22, 23)
    assert highlighted_offsets(explorer.view.value) == [22]
    assert 'data-field="TTL"' in explorer.view.value
    assert '<tr class="nc-picked"><td>TTL</td>' in explorer.view.value


def test_changing_frame_keeps_the_layer_and_shows_the_payload(explorer):
    explorer.layer.value = "payload"
    assert explorer.highlighted() == range(74, 74), "a SYN carries no data"
    assert "no bytes in this frame" in explorer.view.value
    explorer.packet.value = 3
    assert explorer.layer.value == "payload"
    assert explorer.frame[explorer.highlighted().start :] == b"hello\n"
    assert "hello" in explorer.view.value


def test_every_byte_of_every_frame_is_shown_once():
    for packet in read_pcap(TCP_ECHO).packets:
        view = EncapsulationExplorer([packet.data]).view.value
        offsets = [int(o) for o in re.findall(r'data-offset="(\d+)"', view)]
        assert offsets == list(range(len(packet.data)))


def test_labels_summarise_frames_and_empty_input_is_refused():
    frame = read_pcap(TCP_ECHO).packets[0].data
    label = frame_label(0, frame)
    assert label.startswith("#1 ") and "TCP SYN" in label and "127.0.0.1:" in label
    arp = frame[:12] + b"\x08\x06" + bytes(28)
    assert frame_label(4, arp) == "#5  42 bytes"
    assert EncapsulationExplorer([arp]).layer.options == ("Ethernet",)
    assert [layer.name for layer in decode_frame(frame)] == ["Ethernet", "IPv4", "TCP", "payload"]
    with pytest.raises(ValueError):
        EncapsulationExplorer([])


def test_topic_modules_load_on_first_use():
    code = (
        "import sys, netcourse as nc\n"
        "assert 'ipywidgets' not in sys.modules, 'import netcourse pulled in ipywidgets'\n"
        "assert nc.widgets.EncapsulationExplorer and nc.pcap.read_pcap and nc.localnet\n"
        "assert 'ipywidgets' in sys.modules\n"
        "try:\n"
        "    nc.no_such_module\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('nc.no_such_module did not raise AttributeError')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
