"""TIME_WAIT on this machine: how long it lasts, where that is decided, what it costs a client.

The side of a TCP connection that closes first keeps the connection's two
addresses and ports reserved for a while. How long is the operating system's
choice, and so is where (if anywhere) it can be changed; Linux also shows the
time each such socket has left, in ``/proc/net/tcp``.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .localnet import command_output, ephemeral_port_range
from .sockstates import tcp_sockets

LINUX_TIME_WAIT = 60.0  # TCP_TIMEWAIT_LEN in include/net/tcp.h
WINDOWS_DEFAULT = 120.0  # when the registry has no TcpTimedWaitDelay
WINDOWS_KEY = r"SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"
LINUX_TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
LINUX_TW_REUSE = Path("/proc/sys/net/ipv4/tcp_tw_reuse")
TIME_WAIT_STATE = "06"  # the state column of /proc/net/tcp
TIME_WAIT_TIMER = "03"  # the timer column's kind: the TIME_WAIT timer
TW_REUSE = {
    0: "off: a new connection never takes addresses and ports still in TIME_WAIT",
    1: "on: a new outgoing connection may take them over once a second has passed since "
    "their last segment, TCP timestamps telling old segments from new",
    2: "as 1, but for loopback connections only (the default of current kernels)",
}


@dataclass(frozen=True)
class Setting:
    """How long this system keeps a closed connection in TIME_WAIT, and where that is decided."""

    seconds: float
    where: str


def _linux() -> Setting:
    return Setting(
        LINUX_TIME_WAIT,
        "fixed when the kernel is built (TCP_TIMEWAIT_LEN); no sysctl changes it "
        "(net.ipv4.tcp_fin_timeout is about FIN_WAIT2, not TIME_WAIT)",
    )


def _macos() -> Setting | None:
    output = command_output(["sysctl", "-n", "net.inet.tcp.msl"])
    if not output or not output.strip().isdigit():
        return None
    msl = int(output) / 1000
    return Setting(2 * msl, f"2 x the sysctl net.inet.tcp.msl, now {msl:g} s (15 s by default)")


def _windows() -> Setting:
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, WINDOWS_KEY) as key:
            value, _ = winreg.QueryValueEx(key, "TcpTimedWaitDelay")
            where = f"the registry value TcpTimedWaitDelay (HKLM\\{WINDOWS_KEY})"
            return Setting(float(value), where)
    except OSError:
        return Setting(
            WINDOWS_DEFAULT,
            f"the default: the registry value TcpTimedWaitDelay (HKLM\\{WINDOWS_KEY}, "
            "30-300 s) is not set",
        )


def setting() -> Setting | None:
    """This system's TIME_WAIT length and where it comes from, or None where it is unknown."""
    if sys.platform.startswith("linux"):
        return _linux()
    if sys.platform == "darwin":
        return _macos()
    if sys.platform == "win32":
        return _windows()
    return None


def remaining(port: int) -> list[float] | None:
    """Linux: seconds left on each TIME_WAIT socket with ``port`` at either end; None elsewhere.

    The kernel's own timer, from ``/proc/net/tcp`` (and ``tcp6``), in clock ticks.
    """
    if not sys.platform.startswith("linux"):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    found = []
    for table in LINUX_TABLES:
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            ports = {int(end.rpartition(":")[2], 16) for end in fields[1:3]}
            timer, _, left = fields[5].partition(":")
            if fields[3] == TIME_WAIT_STATE and port in ports and timer == TIME_WAIT_TIMER:
                found.append(int(left, 16) / ticks)
    return found


def reuse() -> int | None:
    """Linux: the sysctl net.ipv4.tcp_tw_reuse (0, 1 or 2, see TW_REUSE); None elsewhere."""
    try:
        return int(LINUX_TW_REUSE.read_text())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class PortBudget:
    """How fast one client may open connections to one server address and port, for ever."""

    ports: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.ports / self.seconds


def port_budget() -> PortBudget | None:
    """Ephemeral ports / TIME_WAIT length, from this machine's values; None if either is unknown."""
    ports, length = ephemeral_port_range(), setting()
    if ports is None or length is None:
        return None
    return PortBudget(len(ports), length.seconds)


def watch(port: int, limit: float = 150.0, poll: float = 0.5) -> float | None:
    """Seconds until no TIME_WAIT socket is left on ``port`` (None after ``limit``), with a bar."""
    from tqdm.auto import tqdm

    start = time.monotonic()
    with tqdm(total=round(limit), unit="s", desc="waiting for TIME_WAIT to end") as bar:
        while (elapsed := time.monotonic() - start) < limit:
            if not any(s.state == "TIME_WAIT" for s in tcp_sockets(port)):
                return elapsed
            time.sleep(poll)
            bar.update(round(time.monotonic() - start) - bar.n)
    return None
