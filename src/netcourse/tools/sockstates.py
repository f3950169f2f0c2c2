"""The kernel's TCP sockets on a port, with their states, as the operating system lists them.

Sockets a process holds open are listed with that process; a connection in
TIME_WAIT belongs to no process any more, so seeing it takes the system-wide
list. psutil gives that list without special rights on Linux and Windows; on
macOS it needs root, so there the list comes from ``netstat``, which any user
may run.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import psutil

# netstat (BSD, macOS) spells some states differently from psutil
_NETSTAT_STATES = {"FIN_WAIT_1": "FIN_WAIT1", "FIN_WAIT_2": "FIN_WAIT2"}


@dataclass(frozen=True)
class TcpSocket:
    """One TCP socket: its two ends, its state, and whether this process holds it open."""

    local: tuple[str, int]
    remote: tuple[str, int] | None
    state: str
    ours: bool

    def __str__(self) -> str:
        remote = f"{self.remote[0]}:{self.remote[1]}" if self.remote else "*"
        holder = "this process" if self.ours else "no process (kernel only)"
        local = f"{self.local[0]}:{self.local[1]}"
        return f"{local:<22} {remote:<22} {self.state:<12} {holder}"


def tcp_sockets(port: int) -> list[TcpSocket]:
    """Every TCP socket whose local or remote port is ``port``, listeners first."""
    ours = {(c.laddr, c.raddr or None) for c in psutil.Process().net_connections("tcp")}
    found = []
    for local, remote, state in _system_tcp():
        if port in (local[1], remote[1] if remote else None):
            found.append(TcpSocket(local, remote, state, (local, remote) in ours))
    return sorted(found, key=lambda s: (s.state != "LISTEN", s.local[1] != port, s.local, s.remote))


def table(port: int) -> str:
    """The sockets on ``port`` as a printable table."""
    header = f"{'local':<22} {'remote':<22} {'state':<12} held by"
    return "\n".join([header, *(str(s) for s in tcp_sockets(port))])


def _system_tcp() -> list[tuple[tuple[str, int], tuple[str, int] | None, str]]:
    if sys.platform == "darwin":
        output = subprocess.run(
            ["netstat", "-an", "-p", "tcp"], capture_output=True, text=True, timeout=10
        ).stdout
        return parse_bsd_netstat(output)
    return [
        ((c.laddr.ip, c.laddr.port), (c.raddr.ip, c.raddr.port) if c.raddr else None, c.status)
        for c in psutil.net_connections("tcp")
    ]


def parse_bsd_netstat(text: str) -> list[tuple[tuple[str, int], tuple[str, int] | None, str]]:
    """The TCP lines of ``netstat -an -p tcp`` on macOS: ``tcp4 0 0 127.0.0.1.5000 *.* LISTEN``."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 6 or not fields[0].startswith("tcp"):
            continue
        local, remote, state = _bsd_address(fields[3]), _bsd_address(fields[4]), fields[5]
        if local is not None:
            found.append((local, remote, _NETSTAT_STATES.get(state, state)))
    return found


def _bsd_address(text: str) -> tuple[str, int] | None:
    host, _, port = text.rpartition(".")
    if not port.isdigit():
        return None
    return host, int(port)
