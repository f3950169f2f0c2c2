"""JupyterLab for tests: ``netcourse lab`` on loopback, on a port it picks, behind a token."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty, Queue

TOKEN = "netcourse-test-token"
START_TIMEOUT = 120


@contextmanager
def running_lab(
    course: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    netcourse: tuple[str, ...] = (sys.executable, "-m", "netcourse"),
    folder: bool = False,
) -> Iterator[tuple[str, list[str]]]:
    """Serve ``course`` (with ``folder``, run ``netcourse lab`` in it as in any folder of
    notebooks); yield its base URL and the server's log lines so far."""
    where = [] if folder else ["--course", str(course)]
    command = [
        *netcourse, "lab", *where, "--no-browser", "--port", "0",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={TOKEN}", *extra,
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


def post(url: str, data: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(data).encode(),
        headers={"Authorization": f"token {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status, response.read().decode("utf-8", "replace")


def status_of(url: str) -> int:
    """The HTTP status of a GET, errors included."""
    try:
        return get(url)[0]
    except urllib.error.HTTPError as error:
        return error.code


def page_config(url: str) -> dict:
    """The page config JupyterLab embeds in /lab: which extensions are disabled, and so on."""
    _, page = get(f"{url}/lab")
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.S)  # fmt: skip
    assert match, "no page config in /lab"
    return json.loads(match.group(1))


NEWS = "@jupyterlab/apputils-extension:notification"


def setting_defaults(url: str, plugin: str) -> dict:
    """A plugin's settings defaults as this server gives them, overrides included."""
    _, body = get(f"{url}/lab/api/settings/{plugin}")
    return {k: v.get("default") for k, v in json.loads(body)["schema"]["properties"].items()}


def assert_no_news_prompt(url: str) -> None:
    """JupyterLab asks "Would you like to get notified about official Jupyter news?" only
    while fetchNews is "none" (ask), its own default."""
    defaults = setting_defaults(url, NEWS)
    assert defaults["fetchNews"] == "false", defaults
    assert defaults["checkForUpdates"] is False, defaults
