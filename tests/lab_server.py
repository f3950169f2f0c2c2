"""JupyterLab for tests: ``netcourse lab`` on loopback, on a port it picks, behind a token."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty, Queue

TOKEN = "netcourse-test-token"
START_TIMEOUT = 120


@contextmanager
def running_lab(
    course: Path, *extra: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """Serve ``course``; yield its base URL and the server's log lines so far."""
    command = [
        sys.executable, "-m", "netcourse", "lab", "--course", str(course), "--no-browser",
        "--port", "0", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={TOKEN}", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: Queue[str] = Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()
    log: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    url = None
    while url is None and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except Empty:
            if process.poll() is not None:
                break
            continue
        log.append(line)
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        url = match.group(1) if match else None
    try:
        assert url, "JupyterLab did not start:\n" + "".join(log[-30:])
        wait_until_serving(url, deadline)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_serving(url: str, deadline: float) -> None:
    """JupyterLab prints its address a moment before it accepts connections on it."""
    while True:
        try:
            get(f"{url}/api/status")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def get(url: str) -> tuple[int, str]:
    sep = "&" if "?" in url else "?"
    with urllib.request.urlopen(f"{url}{sep}token={TOKEN}", timeout=30) as response:
        return response.status, response.read().decode("utf-8", "replace")
