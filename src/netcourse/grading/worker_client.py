"""The grader's side of an nbgrader worker process: send a request, wait a bounded time."""

from __future__ import annotations

import contextlib
import queue
import subprocess
import sys
import threading
from pathlib import Path

from ..course.nbgrader import tool_env
from ..processes import kill_tree
from .nbgrader_worker import HOME_VARIABLE, KERNELS_DIR
from .protocol import REPLIES, Autograde, Autograded, Generate, Generated, decode, encode
from .sandbox import sweep

PID_FILE = "pid"  # in a worker's home: its pid, for the scratch folder's janitor

_live: set[NbgraderWorker] = set()
_live_lock = threading.Lock()


class WorkerError(Exception):
    """The worker overran its limit or died; the message is the one-line reason."""


class NbgraderWorker:
    """One worker process, started on first use and replaced at once when it fails."""

    def __init__(self, home: Path) -> None:
        self.home = home  # its own Jupyter/IPython settings folders and its log
        self.process: subprocess.Popen | None = None
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None
        self._closed = False  # stopped for good: never started again

    def start(self) -> None:
        """Start the process now, so that its slow start-up overlaps other work."""
        if self._closed:
            raise WorkerError("grading was stopped")
        if self.process is not None and self.process.poll() is not None:
            self.stop()  # it died between requests: clean up after it first
        if self.process is None:
            self._start()

    def _start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        env = tool_env(
            {
                # keep the grader's own Jupyter and IPython settings (startup files,
                # kernels) out of grading
                "JUPYTER_CONFIG_DIR": str(self.home / "jupyter-config"),
                "JUPYTER_DATA_DIR": str(self.home / "jupyter-data"),
                # search that folder (where the grading kernelspec is) before the venv's
                "JUPYTER_PREFER_ENV_PATH": "0",
                "IPYTHONDIR": str(self.home / "ipython"),
                "JUPYTER_PLATFORM_DIRS": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                HOME_VARIABLE: str(self.home),
            }
        )
        with (self.home / "worker.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "netcourse.grading.nbgrader_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                text=True,
                encoding="utf-8",
                start_new_session=True,
            )
        (self.home / PID_FILE).write_text(str(self.process.pid))
        self._replies = queue.Queue()
        self._reader = threading.Thread(
            target=self._read, args=(self.process, self._replies), daemon=True
        )
        self._reader.start()
        with _live_lock:
            _live.add(self)

    @staticmethod
    def _read(process: subprocess.Popen, replies: queue.Queue) -> None:
        for line in process.stdout:
            replies.put(line)
        replies.put(None)

    def request(self, message: Generate | Autograde, timeout: float) -> Generated | Autograded:
        """Send one request; raise WorkerError if no answer comes within ``timeout`` seconds.

        A worker that overran, died or answered nonsense is replaced by a fresh
        one at once, so the next request finds it ready.
        """
        self.start()
        try:
            self.process.stdin.write(encode(message))
            self.process.stdin.flush()
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            self._replace()
            raise WorkerError(f"stopped after the {timeout:g} s wall-clock limit") from None
        except OSError:
            line = None
        if line is None:
            self._replace()
            raise WorkerError("the grading process died unexpectedly")
        try:
            return decode(line, REPLIES)
        except ValueError as exc:
            self._replace()
            raise WorkerError(f"the grading process answered nonsense: {exc}") from None

    def _replace(self) -> None:
        self.stop()
        if not self._closed:
            self.start()

    def close(self) -> None:
        """Stop the worker for good."""
        self._closed = True
        self.stop()

    def stop(self) -> None:
        """Kill the worker and every kernel it started, and remove what they left."""
        process, self.process = self.process, None
        if process is None:
            return
        with _live_lock:
            _live.discard(self)
        kill_tree(process.pid)
        process.wait()
        self._reader.join(timeout=5)  # it sees end-of-file once the process is gone
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        sweep(self.home / KERNELS_DIR)  # the sandboxes' folders and control groups
        (self.home / PID_FILE).unlink(missing_ok=True)


def stop_all() -> None:
    """Stop every worker still running (used when a grading run is interrupted)."""
    with _live_lock:
        workers = list(_live)
    for worker in workers:
        worker.close()
