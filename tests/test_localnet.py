"""What the machine says about its network: port ranges, service names, interface addresses."""

import ipaddress
import socket
import subprocess
import sys

import pytest

from netcourse.tools import localnet
from netcourse.tools.localnet import PortRange


def test_the_ephemeral_range_is_plausible_and_holds_a_port_the_os_picked():
    found = localnet.ephemeral_port_range()
    if found is None:
        pytest.skip(f"{sys.platform} does not expose its ephemeral port range")
    assert 1024 <= found.first < found.last <= 65535
    assert len(found) == found.last - found.first + 1
    with socket.socket() as client, socket.create_server(("127.0.0.1", 0)) as listener:
        client.connect(listener.getsockname())
        assert client.getsockname()[1] in found


def test_linux_range_parsing(tmp_path, monkeypatch):
    fake = tmp_path / "range"
    fake.write_text("32768\t60999\n")
    monkeypatch.setattr(localnet, "LINUX_PORT_RANGE", fake)
    assert localnet._linux_range() == PortRange(32768, 60999, str(fake))
    fake.write_text("garbage")
    assert localnet._linux_range() is None


def fake_run(output):
    def run(command, **kwargs):
        if output is None:
            raise FileNotFoundError(command[0])
        return subprocess.CompletedProcess(command, 0, stdout=output)

    return run


def test_windows_and_bsd_outputs_are_parsed(monkeypatch):
    netsh = (
        "\nProtocol tcp Dynamic Port Range\n---------------------------------\n"
        "Start Port      : 49152\nNumber of Ports : 16384\n"
    )
    monkeypatch.setattr(subprocess, "run", fake_run(netsh))
    assert localnet._windows_range() == PortRange(
        49152, 65535, "netsh int ipv4 show dynamicport tcp"
    )
    monkeypatch.setattr(subprocess, "run", fake_run("49152\n65535\n"))
    assert localnet._bsd_range().first == 49152
    monkeypatch.setattr(subprocess, "run", fake_run(None))
    assert localnet._windows_range() is None and localnet._bsd_range() is None


def test_service_port_copes_with_unknown_names():
    assert localnet.service_port("no-such-service-anywhere") is None
    http = localnet.service_port("http")
    assert http in (80, None), "None only where the services database is missing"


def test_interface_addresses_include_loopback():
    found = localnet.interface_addresses()
    loopback = [a for a in found if a.address.ip == ipaddress.ip_address("127.0.0.1")]
    assert loopback and loopback[0].address.network.prefixlen == 8
    assert all(
        isinstance(a.address, ipaddress.IPv4Interface | ipaddress.IPv6Interface) for a in found
    )


def test_prefix_lengths_from_every_mask_format():
    assert localnet._prefix_length("255.255.255.0", 32) == 24
    assert localnet._prefix_length("ffff:ffff:ffff:ffff::", 128) == 64
    assert localnet._prefix_length("ffff:ffff::/32", 128) == 32
    assert localnet._prefix_length(None, 128) == 128
