"""JupyterHub on 127.0.0.1: PAM logins for real accounts, each server run as its user."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .machine import read_pid, stop
from .plan import ACCOUNTS, CHP_DIR, HUB_DIR, INSTRUCTOR, SAFE_PATH, VENV

DRIVER = "nctrial-driver"  # the hub service that the drive acts through
# Just what the drive needs to act for the users: make their tokens, start their
# servers, enrol students in the course's group, reach their servers.
DRIVER_SCOPES = [
    "admin:users",
    "admin:servers",
    "tokens",
    "admin:groups",
    "access:servers",
    "list:users",
    "read:users",
]
# The server's own token: nbgrader's JupyterHubAuthPlugin reads the user's groups with it.
SERVER_TOKEN_SCOPES = ["users:activity!user", "read:users:groups!user", "read:users:name!user"]
START_WAIT = 120  # seconds for the hub to answer


def free_port() -> int:
    """An ephemeral port on loopback, free when asked."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_config(ports: dict[str, int], driver_token: str, course: str) -> str:
    """jupyterhub_config.py for the trial."""
    proxy = CHP_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    return f"""# written by the netcourse hub trial
c = get_config()  # noqa: F821

c.JupyterHub.bind_url = "http://127.0.0.1:{ports["proxy"]}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports["hub"]}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports["proxy_api"]}"
c.ConfigurableHTTPProxy.command = [{str(proxy)!r}]
c.ConfigurableHTTPProxy.pid_file = {str(HUB_DIR / "proxy.pid")!r}
c.JupyterHub.pid_file = {str(HUB_DIR / "jupyterhub.pid")!r}
c.JupyterHub.db_url = "sqlite:///{HUB_DIR / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(HUB_DIR / "jupyterhub_cookie_secret")!r}
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# real accounts and passwords, as on a university's own Linux hub
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = {set(ACCOUNTS)!r}

# each user's server runs as that user, from the course's environment
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [{str(VENV / "bin" / "jupyterhub-singleuser")!r}]
c.Spawner.environment = {{"PATH": {SAFE_PATH!r}, "LANG": "C.UTF-8"}}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.server_token_scopes = {SERVER_TOKEN_SCOPES!r}

# enrolment: the hub groups nbgrader's JupyterHubAuthPlugin reads
c.JupyterHub.load_groups = {{
    "formgrade-{course}": {{"users": [{INSTRUCTOR!r}]}},
    "nbgrader-{course}": {{"users": []}},
}}

c.JupyterHub.services = [{{"name": {DRIVER!r}, "api_token": {driver_token!r}}}]
c.JupyterHub.load_roles = [
    {{"name": {DRIVER!r}, "scopes": {DRIVER_SCOPES!r}, "services": [{DRIVER!r}]}}
]
"""


def start(ports: dict[str, int], driver_token: str, course: str, log: Path) -> subprocess.Popen:
    """Write the config to the root-only hub folder, start the hub, wait until it answers."""
    HUB_DIR.mkdir(parents=True, exist_ok=True)
    os.chmod(HUB_DIR, 0o700)
    config = HUB_DIR / "jupyterhub_config.py"
    config.write_text(hub_config(ports, driver_token, course))
    os.chmod(config, 0o600)
    env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "HOME": "/root"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [f"{VENV}/bin/jupyterhub", "-f", str(config)],
            cwd=HUB_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{ports['proxy']}/hub/api/"
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyterhub exited {process.returncode}: see {log}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:  # refused, or not yet answering
            pass
        time.sleep(0.5)
    raise RuntimeError(f"jupyterhub did not answer within {START_WAIT} s: see {log}")


def _running(pid_file: Path, program: bytes) -> int | None:
    """The pid in ``pid_file`` if that process is alive and is ``program`` (pids get reused)."""
    pid = read_pid(pid_file)
    try:
        return pid if pid and program in Path(f"/proc/{pid}/cmdline").read_bytes() else None
    except FileNotFoundError:
        return None


def stop_hub(process: subprocess.Popen | None) -> None:
    """Stop the hub (it stops the servers and the proxy it started), then the proxy if left."""
    if process is not None:
        stop(process.pid, 30, "jupyterhub")
        process.wait(timeout=10)
    elif pid := _running(HUB_DIR / "jupyterhub.pid", b"jupyterhub"):
        stop(pid, 30, "jupyterhub")
    if pid := _running(HUB_DIR / "proxy.pid", b"configurable-http-proxy"):
        stop(pid, 10, "configurable-http-proxy")
