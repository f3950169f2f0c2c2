"""What this machine's network stack says about itself: addresses, port ranges, service names.

Each function answers from the operating system where it can and returns
``None`` (or leaves a row out) where the platform does not expose the answer,
so a notebook shows the live value on Linux, macOS and Windows alike.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LINUX_PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LINUX_UNPRIVILEGED_START = Path("/proc/sys/net/ipv4/ip_unprivileged_port_start")
COMMAND_TIMEOUT = 10.0

# (first port, last port) of the IANA port ranges, RFC 6335 section 6.
IANA_PORT_RANGES = {
    "system (well-known)": (0, 1023),
    "user (registered)": (1024, 49151),
    "dynamic (private, ephemeral)": (49152, 65535),
}


@dataclass(frozen=True)
class PortRange:
    """The ports the OS picks from for an unbound socket, and where that was read."""

    first: int
    last: int
    source: str

    def __len__(self) -> int:
        return self.last - self.first + 1

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.first <= port <= self.last


def command_output(command: list[str]) -> str | None:
    """What a command prints, or None when it cannot run or fails."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def _linux_range() -> PortRange | None:
    try:
        first, last = map(int, LINUX_PORT_RANGE.read_text().split())
    except (OSError, ValueError):
        return None
    return PortRange(first, last, str(LINUX_PORT_RANGE))


def _bsd_range() -> PortRange | None:
    names = ["net.inet.ip.portrange.first", "net.inet.ip.portrange.last"]
    output = command_output(["sysctl", "-n", *names])
    numbers = [int(n) for n in (output or "").split()]
    if len(numbers) != 2:
        return None
    return PortRange(numbers[0], numbers[1], "sysctl " + " ".join(names))


def _windows_range() -> PortRange | None:
    command = ["netsh", "int", "ipv4", "show", "dynamicport", "tcp"]
    # The labels are translated on non-English Windows; the two numbers come in this order.
    numbers = [int(n) for n in re.findall(r":\s*(\d+)", command_output(command) or "")]
    if len(numbers) < 2:
        return None
    start, count = numbers[:2]
    return PortRange(start, start + count - 1, " ".join(command))


def ephemeral_port_range() -> PortRange | None:
    """The range the OS draws ephemeral (client and port-0) ports from, or None if unknown."""
    if sys.platform.startswith("linux"):
        return _linux_range()
    if sys.platform == "darwin" or "bsd" in sys.platform:
        return _bsd_range()
    if sys.platform == "win32":
        return _windows_range()
    return None


def unprivileged_port_start() -> int | None:
    """Linux: the lowest port a process without privileges may bind; None elsewhere."""
    try:
        return int(LINUX_UNPRIVILEGED_START.read_text())
    except (OSError, ValueError):
        return None


def service_port(name: str, protocol: str = "tcp") -> int | None:
    """The port the services database gives a name (``"http"`` -> 80), or None if it has none.

    ``socket.getservbyname`` reads the system's services file (``/etc/services``,
    or ``%SystemRoot%\\System32\\drivers\\etc\\services``); minimal containers may
    not have one at all, and the entries differ from system to system.
    """
    try:
        return socket.getservbyname(name, protocol)
    except OSError:
        return None


@dataclass(frozen=True)
class InterfaceAddress:
    """One IP address configured on one of this machine's network interfaces."""

    interface: str
    address: ipaddress.IPv4Interface | ipaddress.IPv6Interface


def _prefix_length(netmask: str | None, bits: int) -> int:
    if not netmask:
        return bits
    if "/" in netmask:  # some platforms report IPv6 masks as "ffff:...::/64"
        return int(netmask.rsplit("/", 1)[1])
    mask = int(ipaddress.ip_address(netmask))
    return bin(mask).count("1")


def interface_addresses() -> list[InterfaceAddress]:
    """Every IPv4 and IPv6 address on this machine's interfaces, with its prefix length."""
    import psutil

    found = []
    for name, entries in sorted(psutil.net_if_addrs().items()):
        for entry in entries:
            if entry.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            bits = 32 if entry.family == socket.AF_INET else 128
            try:
                prefix = _prefix_length(entry.netmask, bits)
                address = ipaddress.ip_interface(f"{entry.address}/{prefix}")
            except ValueError:
                continue  # a platform quirk we cannot parse: leave the row out
            found.append(InterfaceAddress(name, address))
    return found
