"""`netcourse lab` serves JupyterLab on the course with nbgrader's extensions loaded."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from queue import Empty, Queue

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow
TOKEN = "netcourse-test-token"
START_TIMEOUT = 120


@pytest.fixture(scope="module")
def lab():
    command = [
        sys.executable, "-m", "netcourse.cli", "lab", "--no-browser", "--port", "0",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={TOKEN}",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
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


def test_lab_opens_on_notebooks_with_nbgrader_loaded(lab):
    url, log = lab
    status, page = get(f"{url}/lab")
    assert status == 200
    assert "@jupyter/nbgrader" in page, "nbgrader's lab extension is not loaded"
    assert any("/lab/tree/notebooks" in line for line in log)
    assert any("formgrader" in line and "successfully loaded" in line for line in log)


def test_the_welcome_notebook_is_served(lab):
    url, _ = lab
    status, body = get(f"{url}/api/contents/notebooks/00-welcome/00-welcome.ipynb")
    assert status == 200
    assert json.loads(body)["type"] == "notebook"


def test_the_formgrader_sees_the_course(lab):
    url, _ = lab
    status, body = get(f"{url}/formgrader/api/assignments")
    assert status == 200
    assert "00-welcome" in body
