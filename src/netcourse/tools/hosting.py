"""A server of the course in a process of its own, watched from outside (notebook 07).

A benchmark that runs the server in the same process as its load generator
measures both at once: they share one interpreter (and, on a standard build,
one GIL), and the memory of one is the memory of the other. So here each
server runs in a fresh process, the *host*, under the course's contract
(:class:`~netcourse.checks.harness.server.Server`), and is measured from the
outside with psutil: its memory, threads and CPU time, its child processes'
included. The server is named by an importable function, ``module:function``,
and its kind::

    with nc.hosting.hosted("netcourse.tools.reactor:serve_echo", "selectors") as host:
        print(nc.load.run(host.address, clients=10))
        print(host.usage())

A function defined in a notebook cell cannot be imported by another process:
put it in a ``.py`` file beside the notebook and name it as ``file:function``.
Run as a program, ``python -m netcourse.tools.hosting SPEC KIND [WORKERS]``
prints ``{"port": ...}`` once the server answers, and serves until its
standard input closes.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import psutil

from ..checks.harness.server import KINDS, POOL_KINDS
from ..processes import kill_tree

__all__ = ["Host", "HostFailed", "Usage", "hosted", "raise_open_file_limit"]

START_TIMEOUT = 60.0  # a process pool on a loaded machine takes a while to start
STOP_TIMEOUT = 10.0


class HostFailed(Exception):
    """The server's process did not start, or stopped; the message ends with what it printed."""


@dataclass(frozen=True)
class Usage:
    """What the server's processes hold at one moment: memory (bytes), threads, CPU seconds."""

    memory: int  # unique set size summed over the processes (resident set size where unknown)
    threads: int
    processes: int
    cpu_seconds: float


def raise_open_file_limit() -> tuple[int, int]:
    """Raise this process's soft limit on open files to its hard limit; return ``(soft, hard)``.

    Processes started afterwards inherit it. On Linux the hard limit is the
    ceiling (raise it with ``ulimit -Hn`` as root, or ``LimitNOFILE`` in
    systemd); macOS refuses a soft limit above ``kern.maxfilesperproc``
    (often 10240, ``sysctl kern.maxfilesperproc``) whatever the hard limit
    says; Windows has no such limit for sockets (its ``select()`` takes at
    most 512 of them, so use asyncio's default proactor loop there).
    """
    try:
        import resource
    except ImportError:  # Windows
        return (-1, -1)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = [hard]
    if sys.platform == "darwin":
        with contextlib.suppress(Exception):
            out = subprocess.run(
                ["sysctl", "-n", "kern.maxfilesperproc"], capture_output=True, text=True, timeout=5
            )
            wanted.insert(0, min(hard, int(out.stdout)))
    for limit in wanted:
        if limit == resource.RLIM_INFINITY or limit <= soft:
            continue
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
            break
    return resource.getrlimit(resource.RLIMIT_NOFILE)


class Host:
    """A running host process: its address, its process tree, its output so far."""

    def __init__(self, process: subprocess.Popen, log: Any, address: tuple[str, int]) -> None:
        self.process, self._log, self.address = process, log, address
        self._root = psutil.Process(process.pid)

    def tree(self) -> list[psutil.Process]:
        """The host process and every process below it (a pool's workers, its fork server)."""
        with contextlib.suppress(psutil.Error):
            return [self._root, *self._root.children(recursive=True)]
        return []

    def usage(self) -> Usage:
        memory = threads = processes = 0
        cpu = 0.0
        for process in self.tree():
            with contextlib.suppress(psutil.Error):
                with process.oneshot():
                    times = process.cpu_times()
                    threads += process.num_threads()
                    cpu += times.user + times.system
                    memory += _private_memory(process)
                processes += 1
        return Usage(memory, threads, processes, cpu)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def close(self) -> None:
        """Close its standard input (it stops its server and exits), or kill it if it does not."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_TIMEOUT)
        kill_tree(self.process.pid, timeout=2.0)
        self.process.wait()
        self._log.close()


def _private_memory(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().uss
    except (psutil.AccessDenied, AttributeError):
        return process.memory_info().rss


@contextlib.contextmanager
def hosted(
    spec: str,
    kind: str,
    workers: int | None = None,
    options: dict[str, Any] | None = None,
    cwd: str | None = None,
) -> Iterator[Host]:
    """Run the server ``spec`` (``module:function``) of ``kind`` in a host process for the block.

    ``options`` are keyword arguments for the function (JSON values);
    ``cwd`` is where the host runs and finds modules of your own (this
    folder by default).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    command = [sys.executable, "-X", "utf8", "-m", __name__, spec, kind, str(workers or 0)]
    command.append(json.dumps(options or {}))
    log = tempfile.TemporaryFile()  # noqa: SIM115 (the Host closes it)
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    host = None
    try:
        port = _read_port(process, log)
        host = Host(process, log, ("127.0.0.1", port))
        yield host
    finally:
        if host is not None:
            host.close()
        else:
            kill_tree(process.pid, timeout=2.0)
            process.wait()
            log.close()


def _read_port(process: subprocess.Popen, log: Any) -> int:
    """The port the host prints once its server answers; HostFailed if it never does."""
    deadline = time.monotonic() + START_TIMEOUT
    line = b""
    while time.monotonic() < deadline:
        line = process.stdout.readline()  # the host prints one line, or exits
        if line or process.poll() is not None:
            break
    try:
        return int(json.loads(line)["port"])
    except (ValueError, KeyError, TypeError):
        log.seek(0)
        said = log.read().decode("utf-8", "replace").strip().splitlines()
        raise HostFailed(
            "the server's process did not start: " + (said[-1] if said else "it printed nothing")
        ) from None


def load_function(spec: str) -> Any:
    """The function ``module:function`` names (a file ``name.py`` in the folder is ``name``)."""
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise ValueError(f"name a server as module:function, not {spec!r}")
    found: Any = importlib.import_module(module_name)
    for part in name.split("."):
        found = getattr(found, part)
    return found


def main(spec: str, kind: str, workers: str, options: str) -> None:
    """Serve with the function ``spec`` until standard input closes (see the module's docstring)."""
    from ..checks.echo.probes import wait_ready
    from ..checks.harness.server import Server

    raise_open_file_limit()
    sys.path.insert(0, os.getcwd())
    serve = load_function(spec)
    keywords = json.loads(options)
    if keywords:
        serve = partial(serve, **keywords)
    count = int(workers) if kind in POOL_KINDS else None
    server = Server(serve, kind, workers=count)
    try:
        wait_ready(server)
        server.check_running()
        print(json.dumps({"port": server.address[1]}), flush=True)
        sys.stdin.read()
    finally:
        server.close(grace=3.0)


if __name__ == "__main__":
    main(*sys.argv[1:5])
