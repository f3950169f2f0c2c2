"""Talking to the hub and the users' servers over HTTP: REST calls and a JupyterLab terminal."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import requests

HTTP_TIMEOUT = 300  # seconds; validate runs a whole notebook inside one request
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


class Failure(Exception):
    """The round trip did not go as a class's would."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise Failure(message)


class Api:
    """One base URL and one token, every request with a deadline."""

    def __init__(self, base: str, token: str):
        self.base = base.rstrip("/")
        self.token = token
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def call(self, method: str, path: str, ok: tuple[int, ...] = (200, 201, 202, 204), **kw):
        """The reply's JSON (or text, or None); any other status than ``ok`` is a Failure."""
        kw.setdefault("timeout", HTTP_TIMEOUT)
        response = self.session.request(method, self.base + path, **kw)
        if response.status_code not in ok:
            raise Failure(
                f"{method} {self.base}{path}: HTTP {response.status_code}: {response.text[:600]}"
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def status(self, path: str) -> int:
        return self.session.get(self.base + path, timeout=60).status_code

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.call("POST", path, **kw)

    def put(self, path: str, **kw):
        return self.call("PUT", path, **kw)

    def delete(self, path: str, **kw):
        return self.call("DELETE", path, **kw)


def nbgrader_value(reply: Any, what: str) -> Any:
    """The value of an nbgrader extension's reply ``{"success": ..., "value": ...}``."""
    if isinstance(reply, str):
        reply = json.loads(reply)
    if not reply.get("success"):
        detail = reply.get("value") or reply.get("error") or reply.get("log") or reply
        raise Failure(f"{what}: nbgrader said no: {str(detail)[-1500:]}")
    return reply.get("value")


def type_in_terminal(server: Api, command: str, timeout: float, log: Path) -> int:
    """Type ``command`` into a new JupyterLab terminal of ``server``; return its exit status.

    The terminals REST API opens the terminal and its websocket carries keystrokes
    and output (terminado's ``["stdin", ...]`` and ``["stdout", ...]``), so the
    command runs in the server's environment, as a person's would. The output,
    without terminal escapes, goes to ``log``.
    """
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    name = server.post("/api/terminals")["name"]
    marker = "NCTRIAL-DONE"
    # the marker is split in what is typed, so the terminal's echo of the line never matches
    typed = f'{command}; echo "{marker[:6]}""{marker[6:]} rc=$?"\r'
    url = server.base.replace("http://", "ws://", 1) + f"/terminals/websocket/{name}"
    out: list[str] = []

    async def session() -> int:
        request = HTTPRequest(url, headers={"Authorization": f"token {server.token}"})
        connection = await asyncio.wait_for(websocket_connect(request), 60)
        try:
            connection.write_message(json.dumps(["set_size", 50, 250, 1000, 2000]))
            connection.write_message(json.dumps(["stdin", typed]))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    message = await asyncio.wait_for(connection.read_message(), 5)
                except TimeoutError:
                    continue
                if message is None:
                    raise Failure(f"the terminal closed: {''.join(out)[-500:]}")
                kind, *rest = json.loads(message)
                if kind == "stdout":
                    out.append(rest[0])
                    if done := re.search(marker + r" rc=(\d+)", "".join(out)[-300:]):
                        return int(done.group(1))
            raise Failure(f"{command!r} did not end within {timeout:.0f} s in the terminal")
        finally:
            connection.close()

    try:
        return asyncio.run(session())
    finally:
        log.write_text(_ESCAPES.sub("", "".join(out)).replace("\r\n", "\n"))
        server.delete(f"/api/terminals/{name}")
