"""Running a whole Python program in a process of its own, from a notebook cell.

Some programs cannot run inside a Jupyter kernel: one that monkey-patches
the standard library with gevent (``gevent.monkey.patch_all()``) must patch
before anything imports ``socket`` or ``threading``, and a kernel has long
imported both and runs threads of its own. So such programs are written as
text and run here with the kernel's own interpreter:

    print(nc.scripts.run(PROGRAM))                       # wait for it, show its output
    print(nc.scripts.run(PROGRAM, as_file=True))         # the same, run from a file
    with nc.scripts.serving(SERVER) as server:           # a server that prints its port first
        nc.load.run(server.address)

:func:`in_a_fresh_kernel` runs a cell's code in a kernel of its own, started for
it and killed afterwards, to watch what code that would wedge this one does.

A program runs with ``python -c`` unless it is run ``as_file``: a child process
started with spawn (Windows, macOS) or forkserver (Linux from Python 3.14)
imports its parent's program again to find the function it is to run, and
``python -c`` gives it no file to import.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..processes import kill_tree

__all__ = ["ScriptFailed", "ScriptServer", "in_a_fresh_kernel", "run", "serving"]

RUN_TIMEOUT = 60.0
START_TIMEOUT = 30.0


class ScriptFailed(Exception):
    """The program exited with an error, or did not finish in time."""


def _command(code: str) -> list[str]:
    return [sys.executable, "-X", "utf8", "-c", code]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}


def run(code: str, timeout: float = RUN_TIMEOUT, *, as_file: bool = False) -> str:
    """Run ``code`` as a program of its own; return what it printed (stdout, then stderr).

    ``code`` may be indented as a whole. With ``as_file`` it is written to
    ``program.py`` in a scratch folder and run as ``python program.py``, so that
    the processes it starts can import it. Raises :class:`ScriptFailed`, with
    its output, if it exits with an error or takes longer than ``timeout``
    seconds (then it is killed).
    """
    code = textwrap.dedent(code)
    if not as_file:
        return _finish(_command(code), timeout)
    with tempfile.TemporaryDirectory(prefix="netcourse-") as folder:
        program = Path(folder) / "program.py"
        program.write_text(code, encoding="utf-8")
        return _finish([sys.executable, "-X", "utf8", str(program)], timeout)


def _finish(command: list[str], timeout: float) -> str:
    """Run ``command`` to its end; what it printed, or :class:`ScriptFailed`."""
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=_environment(),
        )
    except subprocess.TimeoutExpired as exc:
        raise ScriptFailed(f"the program did not finish within {timeout:g} s") from exc
    output = done.stdout + (f"[stderr]\n{done.stderr}" if done.stderr else "")
    if done.returncode != 0:
        raise ScriptFailed(f"the program exited with status {done.returncode}:\n{output}")
    return output.rstrip("\n")


@dataclass(frozen=True)
class ScriptServer:
    """A server running as a program of its own: where it listens and its process id."""

    address: tuple[str, int]
    pid: int


@contextlib.contextmanager
def serving(
    code: str, host: str = "127.0.0.1", timeout: float = START_TIMEOUT
) -> Iterator[ScriptServer]:
    """Run the server program ``code`` for the ``with`` block; it must print its port first.

    On leaving the block the program and anything it started are killed.
    """
    process = subprocess.Popen(
        _command(code),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=_environment(),
    )
    try:
        port = _first_line(process, timeout)
        if not port.isdigit():
            raise ScriptFailed(f"the server printed {port!r} first, not its port")
        yield ScriptServer((host, int(port)), process.pid)
    finally:
        kill_tree(process.pid, timeout=5.0)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5.0)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _first_line(process: subprocess.Popen, timeout: float) -> str:
    """The first line the program prints, read in a thread so that a silent one cannot hang us."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while reader.is_alive() and time.monotonic() < deadline and process.poll() is None:
        reader.join(0.05)
    if lines and lines[0].strip():
        return lines[0].strip()
    if lines:  # the end of its output: it has exited, or is about to
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(START_TIMEOUT)
    if process.poll() is not None:
        error = process.stderr.read() if process.stderr else ""
        raise ScriptFailed(f"the server exited with status {process.returncode}:\n{error}")
    raise ScriptFailed(f"the server printed nothing within {timeout:g} s")


def in_a_fresh_kernel(*cells: str, timeout: float = 10.0) -> str:
    """Run ``cells`` one after another in a new Python kernel; say what each did.

    Each cell gets ``timeout`` seconds to finish; the first that does not is the
    last one tried. The kernel is killed afterwards whatever happened, so code
    that wedges it costs that long and nothing else.
    """
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = manager.client()
    client.start_channels()
    report = []
    try:
        client.wait_for_ready(timeout=START_TIMEOUT)
        for number, code in enumerate(cells, 1):
            started = time.monotonic()
            message_id = client.execute(code)
            printed = _printed(client, message_id, started + timeout)
            report.append(f"cell {number}: {code.splitlines()[-1]}")
            report += [f"  | {line}" for line in printed.splitlines()]
            try:  # the execute_reply is what tells a client that the cell has finished
                client.get_shell_msg(timeout=max(0.1, started + timeout - time.monotonic()))
            except Exception:  # queue.Empty
                report.append(f"  no reply within {timeout:g} s: the cell never finished")
                break
            report.append(f"  finished in {time.monotonic() - started:.2f} s")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return "\n".join(report)


def _printed(client: Any, message_id: str, deadline: float) -> str:
    """What the cell printed (and the error it raised), until the kernel went idle."""
    printed = []
    while time.monotonic() < deadline:
        try:
            message = client.get_iopub_msg(timeout=0.2)
        except Exception:  # queue.Empty: nothing yet
            continue
        if message["parent_header"].get("msg_id") != message_id:
            continue
        content = message["content"]
        if message["msg_type"] == "stream":
            printed.append(content["text"])
        elif message["msg_type"] == "error":
            printed.append(f"{content['ename']}: {content['evalue']}\n")
        elif message["msg_type"] == "status" and content["execution_state"] == "idle":
            break
    return "".join(printed)
