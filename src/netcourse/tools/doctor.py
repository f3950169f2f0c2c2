"""The environment check: ``nc.doctor()`` in a notebook, ``netcourse doctor`` in a shell.

Each finding is one line with a verdict: ``ok``, ``warn`` (works, but some
part of the course will be limited) or ``fail`` (the course will not work).
"""

from __future__ import annotations

import multiprocessing
import platform
import socket
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from packaging.requirements import Requirement

from ..display import verdict_table

OK, WARN, FAIL = "ok", "warn", "fail"
MINIMUM_PYTHON = (3, 11)
LOOPBACK_TIMEOUT = 5.0
ROUND_TRIPS = 200
# The capstone holds hundreds of connections; both ends live in one process.
WANTED_OPEN_FILES = 1024


@dataclass(frozen=True)
class Finding:
    """One line of the report."""

    name: str
    verdict: str
    detail: str


@dataclass(frozen=True)
class DoctorReport:
    """All findings; prints as aligned text and renders as a table in a notebook."""

    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when nothing failed (warnings allowed)."""
        return all(f.verdict != FAIL for f in self.findings)

    def __str__(self) -> str:
        width = max(len(f.name) for f in self.findings)
        lines = [f"{f.verdict.upper():4}  {f.name:<{width}}  {f.detail}" for f in self.findings]
        lines.append("verdict: " + ("ready" if self.ok else "NOT ready: fix the lines marked FAIL"))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = verdict_table((f.verdict, f.name, f.detail) for f in self.findings)
        verdict = "ready" if self.ok else "not ready: fix the lines marked fail"
        return f"{table}<p><b>verdict:</b> {verdict}</p>"


def check_python_version() -> Finding:
    version = platform.python_version()
    if sys.version_info >= MINIMUM_PYTHON:
        return Finding("python", OK, f"{version} ({platform.python_implementation()})")
    return Finding("python", FAIL, f"{version}: the course needs Python 3.11 or newer")


def check_python_build() -> Finding:
    """Free-threaded builds can run Python threads in parallel; the GIL topic depends on it."""
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    if not free_threaded:
        return Finding("build", OK, "standard build: the GIL lets one thread run Python at a time")
    gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    state = "enabled (PYTHON_GIL=1 or an extension asked for it)" if gil_enabled else "disabled"
    return Finding("build", OK, f"free-threaded build, GIL {state}")


def _course_requirements() -> list[Requirement]:
    requirements = []
    for text in metadata.requires("netcourse") or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            requirements.append(requirement)
    return requirements


def check_packages() -> list[Finding]:
    """Each runtime dependency of the course, against the range pyproject.toml asks for."""
    try:
        requirements = _course_requirements()
    except metadata.PackageNotFoundError:
        return [Finding("packages", WARN, "netcourse is not installed; run `make lab`")]
    findings = []
    for requirement in requirements:
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            findings.append(Finding(requirement.name, FAIL, f"missing (needs {requirement})"))
            continue
        if requirement.specifier.contains(installed, prereleases=True):
            findings.append(Finding(requirement.name, OK, installed))
        else:
            findings.append(
                Finding(requirement.name, FAIL, f"{installed}, but the course needs {requirement}")
            )
    return findings


def _tcp_round_trips(family: socket.AddressFamily, host: str) -> list[float]:
    """Median-ready round-trip times (seconds) of a small message over one loopback connection."""
    with socket.create_server((host, 0), family=family) as server:
        server.settimeout(LOOPBACK_TIMEOUT)
        address = server.getsockname()[:2]
        with socket.create_connection(address, timeout=LOOPBACK_TIMEOUT) as client:
            peer, _ = server.accept()
            with peer:
                peer.settimeout(LOOPBACK_TIMEOUT)
                times = []
                for _ in range(ROUND_TRIPS):
                    start = time.perf_counter()
                    client.sendall(b"ping")
                    peer.sendall(peer.recv(16))
                    if client.recv(16) != b"ping":
                        raise ConnectionError("the echo came back changed")
                    times.append(time.perf_counter() - start)
                return times


def check_tcp(family: socket.AddressFamily, host: str) -> Finding:
    name = f"tcp {host}"
    try:
        times = _tcp_round_trips(family, host)
    except OSError as exc:
        verdict = FAIL if family == socket.AF_INET else WARN
        hint = "" if family == socket.AF_INET else " (IPv6 examples will be skipped)"
        return Finding(name, verdict, f"no loopback connection: {exc}{hint}")
    median_us = statistics.median(times) * 1e6
    return Finding(name, OK, f"{ROUND_TRIPS} round trips, median {median_us:.0f} µs")


def check_udp() -> Finding:
    try:
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b,
        ):
            a.bind(("127.0.0.1", 0))
            b.bind(("127.0.0.1", 0))
            b.settimeout(LOOPBACK_TIMEOUT)
            a.settimeout(LOOPBACK_TIMEOUT)
            start = time.perf_counter()
            a.sendto(b"ping", b.getsockname())
            data, sender = b.recvfrom(16)
            b.sendto(data, sender)
            reply, _ = a.recvfrom(16)
            elapsed_us = (time.perf_counter() - start) * 1e6
    except OSError as exc:
        return Finding("udp 127.0.0.1", FAIL, f"no loopback datagram: {exc}")
    if reply != b"ping":
        return Finding("udp 127.0.0.1", FAIL, "the datagram came back changed")
    return Finding("udp 127.0.0.1", OK, f"one round trip in {elapsed_us:.0f} µs")


def check_open_files() -> Finding:
    try:
        import resource
    except ImportError:  # Windows
        return Finding(
            "open files",
            OK,
            "Windows has no per-process descriptor limit of this kind; "
            "select() there takes at most 512 sockets per call",
        )
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    shown_hard = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
    detail = f"soft limit {soft}, hard limit {shown_hard}"
    if soft >= WANTED_OPEN_FILES:
        return Finding("open files", OK, detail)
    return Finding(
        "open files",
        WARN,
        f"{detail}: the capstone wants {WANTED_OPEN_FILES}; run `ulimit -n {WANTED_OPEN_FILES}` "
        "in the shell that starts JupyterLab",
    )


_START_METHOD_NOTES = {
    "fork": "children start as copies of this process",
    "forkserver": "children come from a clean server process: "
    "functions sent to them must live in an importable module",
    "spawn": "children start a fresh interpreter: "
    "functions sent to them must live in an importable module",
}


def check_start_method() -> Finding:
    # get_start_method() without allow_none would fix the method for the whole
    # process, and a later set_start_method() in the notebook would then fail.
    method = (
        multiprocessing.get_start_method(allow_none=True)
        or multiprocessing.get_all_start_methods()[0]
    )
    return Finding("multiprocessing", OK, f"{method}: {_START_METHOD_NOTES.get(method, '')}")


CHECKS: tuple[Callable[[], Finding | list[Finding]], ...] = (
    check_python_version,
    check_python_build,
    check_packages,
    lambda: check_tcp(socket.AF_INET, "127.0.0.1"),
    lambda: check_tcp(socket.AF_INET6, "::1"),
    check_udp,
    check_open_files,
    check_start_method,
)


def doctor() -> DoctorReport:
    """Check that this Python can run the course, one verdict per line."""
    findings: list[Finding] = []
    for check in CHECKS:
        result = check()
        findings.extend(result if isinstance(result, list) else [result])
    return DoctorReport(tuple(findings))
