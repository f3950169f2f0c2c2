"""A grading kernel driven synchronously, for the sandbox's tests."""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client import BlockingKernelClient
from jupyter_client.utils import run_sync

from netcourse.grading.sandbox import GradingKernelManager


@dataclass
class Ran:
    """What one execution printed and raised."""

    stdout: str = ""
    stderr: str = ""
    error: str | None = None  # "Name: value"
    results: list[str] = field(default_factory=list)


class KernelBox:
    """Start a kernel in a sandbox of its own, run code in it, stop it."""

    def __init__(self, root: Path, cwd: Path | None = None, **traits) -> None:
        traits.setdefault("root", str(root))
        self.km = GradingKernelManager(kernel_name="python3", **traits)
        self.cwd = cwd
        self.kc: BlockingKernelClient | None = None

    def start(self, timeout: float = 60) -> None:
        options = {"cwd": str(self.cwd)} if self.cwd else {}
        run_sync(self.km.start_kernel)(**options)
        # parent=km: "is it alive?" asks the process, not the heartbeat (missed under load)
        self.kc = BlockingKernelClient(parent=self.km)
        self.kc.load_connection_info(self.km.get_connection_info())
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=timeout)
        if self.km._cgroup is not None:
            self.started(self.km._cgroup.path)

    @staticmethod
    def started(cgroup: Path) -> None:
        """Called with each kernel's control group (tests check that none outlives them)."""

    def run(self, code: str, timeout: float = 60) -> Ran:
        """Execute ``code``; collect its output."""
        ran = Ran()

        def hook(msg: dict) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                setattr(ran, content["name"], getattr(ran, content["name"]) + content["text"])
            elif kind == "error":
                ran.error = f"{content['ename']}: {content['evalue']}"
            elif kind == "execute_result":
                ran.results.append(content["data"].get("text/plain", ""))

        self.kc.execute_interactive(code, timeout=timeout, output_hook=hook, allow_stdin=False)
        return ran

    def value(self, expression: str, timeout: float = 60):
        """Evaluate a Python literal-valued expression inside and return it."""
        ran = self.run(f"print(repr(({expression})))", timeout)
        assert ran.error is None, ran.error
        return ast.literal_eval(ran.stdout.strip())

    def stop(self, now: bool = True) -> None:
        """Shut the kernel down (``now``: kill it) and release everything."""
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=now)

    def __enter__(self) -> KernelBox:
        self.start()
        self.run("import os, signal, socket, sys")
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_gone(processes, within: float = 10.0) -> bool:
    """Whether every one of ``processes`` (psutil) has ended within ``within`` seconds."""
    import psutil

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]:
            return True
        time.sleep(0.1)
    return False
