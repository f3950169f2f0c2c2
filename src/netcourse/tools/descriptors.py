"""The open file descriptors of this process, and what each one is (notebook 03).

    before = nc.descriptors.listing()
    ...open a socket, a pipe, a file...
    print(nc.descriptors.table(since=before))    # only the new ones

On Linux the list comes from ``/proc/self/fd``, where the kernel names what
each descriptor refers to. Elsewhere the numbers come from ``/dev/fd`` (macOS
and the BSDs), each one's kind from ``os.fstat`` and the names of files and
sockets from psutil. Windows has no descriptors for sockets: a socket's
``fileno()`` is a Winsock handle, so there the list shows psutil's open files
and connections with their handles unknown (-1).
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = ["Descriptor", "listing", "table"]

PROC = Path("/proc/self/fd")
DEV_FD = Path("/dev/fd")


@dataclass(frozen=True)
class Descriptor:
    """One open descriptor: its number, what kind of object it refers to, and which one."""

    fd: int
    kind: str  # socket, pipe, file, terminal or device, directory, or what the kernel calls it
    what: str

    def __str__(self) -> str:
        return f"{self.fd:>4}  {self.kind:<10} {self.what}"


def listing() -> list[Descriptor]:
    """Every descriptor this process has open now, by number."""
    if PROC.is_dir():
        found = _from_proc()
    elif sys.platform == "win32":
        found = _from_psutil_only()
    else:
        found = _from_fstat()
    return sorted(found, key=lambda d: (d.fd, d.what))


def table(since: Iterable[Descriptor] | None = None) -> str:
    """The descriptors as a printable table; with ``since``, only those not in that listing."""
    old = set(since or ())
    rows = [d for d in listing() if d not in old]
    return "\n".join([f"{'fd':>4}  {'kind':<10} what", *(str(d) for d in rows)])


def _sockets() -> list[tuple[int, str]]:
    """Each socket's descriptor (-1 on Windows), addresses and state, as psutil reports them."""
    found = []
    with contextlib.suppress(psutil.Error):
        for c in psutil.Process().net_connections("all"):
            local = _address(c.laddr) or "(unbound)"
            remote = f" -> {_address(c.raddr)}" if c.raddr else ""
            state = f" {c.status}" if c.status and c.status != psutil.CONN_NONE else ""
            found.append((c.fd, f"{_protocol(c.family, c.type)} {local}{remote}{state}"))
    return found


def _address(address) -> str:
    if not address:
        return ""
    if isinstance(address, str):
        return address  # a Unix socket's path
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _protocol(family, kind) -> str:
    if family == socket.AF_INET6:
        return "TCP/IPv6" if kind == socket.SOCK_STREAM else "UDP/IPv6"
    if family == socket.AF_INET:
        return "TCP" if kind == socket.SOCK_STREAM else "UDP"
    return "Unix"


def _from_proc() -> list[Descriptor]:
    sockets = dict(_sockets())
    found = []
    for entry in PROC.iterdir():
        fd = int(entry.name)
        try:
            target = os.readlink(entry)
        except OSError:  # closed meanwhile (the directory listing's own descriptor)
            continue
        if target.startswith("socket:"):
            found.append(Descriptor(fd, "socket", sockets.get(fd, target)))
        elif target.startswith("pipe:"):
            found.append(Descriptor(fd, "pipe", target))
        elif target.startswith("anon_inode:"):
            found.append(Descriptor(fd, target.removeprefix("anon_inode:").strip("[]"), target))
        elif target.startswith("/dev/"):
            found.append(Descriptor(fd, "device", target))
        else:
            found.append(Descriptor(fd, "file", target))
    return found


def _from_fstat() -> list[Descriptor]:
    sockets = dict(_sockets())
    files: dict[int, str] = {}
    with contextlib.suppress(psutil.Error):
        files = {f.fd: f.path for f in psutil.Process().open_files()}
    found = []
    for name in os.listdir(DEV_FD):
        fd = int(name)
        try:
            mode = os.fstat(fd).st_mode
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if stat.S_ISSOCK(mode):
            found.append(Descriptor(fd, "socket", sockets.get(fd, "a socket")))
        elif stat.S_ISFIFO(mode):
            found.append(Descriptor(fd, "pipe", "a pipe"))
        elif stat.S_ISCHR(mode):
            found.append(Descriptor(fd, "device", files.get(fd, "a terminal or device")))
        elif stat.S_ISDIR(mode):
            found.append(Descriptor(fd, "directory", files.get(fd, "a directory")))
        else:
            found.append(Descriptor(fd, "file", files.get(fd, "a file")))
    return found


def _from_psutil_only() -> list[Descriptor]:
    found = [Descriptor(fd, "socket", what) for fd, what in _sockets()]
    with contextlib.suppress(psutil.Error):
        found += [Descriptor(f.fd, "file", f.path) for f in psutil.Process().open_files()]
    return found
