"""The corpus of broken and hostile submissions, built from the course's own notebooks.

Each case starts from an assignment's solution (or its blank release) and
changes it the way a student, by accident or on purpose, might: hanging
code, a kernel that dies, floods, forks, tampering with the checks, mangled
cells, files that are not notebooks. Each records the score an instructor
would give and why. Building the cases from the current notebooks keeps them
valid as the notebooks change.

    python autograder/corpus.py SUBMISSIONS   # write every case as a student folder

tests/test_hostile.py grades the whole corpus in one `netcourse grade` run and
checks every score, reason and time bound against what is recorded here.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parents[1]
FULL = "full"
Edit = Callable[[nbformat.NotebookNode], None]


@dataclass(frozen=True)
class Case:
    """One submission: how it is made, what it should score, and why."""

    name: str
    assignment: str
    why: str
    score: float | str  # points, or FULL for the assignment's maximum
    edits: tuple[Edit, ...] = ()
    base: str = "solutions"  # or "notebooks" (the blank release)
    reason: str | None = None  # a phrase the grader's one-line reason must contain
    raw: bytes | None = None  # the file's bytes instead of a notebook
    empty: bool = False  # the student's folder holds nothing
    options: dict = field(default_factory=dict)


def _gid(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _index(nb, grade_id: str) -> int:
    return next(i for i, cell in enumerate(nb.cells) if _gid(cell) == grade_id)


def after(grade_id: str, source: str) -> Edit:
    """Insert a code cell of the student's after the cell ``grade_id``."""
    return lambda nb: nb.cells.insert(_index(nb, grade_id) + 1, new_code_cell(source))


def at_end(source: str) -> Edit:
    return lambda nb: nb.cells.append(new_code_cell(source))


def answer(grade_id: str, source: str) -> Edit:
    """Replace the body of an answer cell."""

    def edit(nb) -> None:
        nb.cells[_index(nb, grade_id)].source = source

    return edit


def replace_in(grade_id: str, old: str, new: str) -> Edit:
    """Change one passage of a cell, as a student's slip would."""

    def edit(nb) -> None:
        cell = nb.cells[_index(nb, grade_id)]
        if old not in cell.source:
            raise ValueError(f"{grade_id} no longer contains {old!r}: update the corpus")
        cell.source = cell.source.replace(old, new)

    return edit


def delete(grade_id: str) -> Edit:
    return lambda nb: nb.cells.pop(_index(nb, grade_id))


def duplicate(grade_id: str) -> Edit:
    """Copy a cell as JupyterLab's copy and paste does: same content, a new cell id."""

    def edit(nb) -> None:
        i = _index(nb, grade_id)
        twin = copy.deepcopy(nb.cells[i])
        twin["id"] = f"{twin['id']}-copy"
        nb.cells.insert(i + 1, twin)

    return edit


def move_before(grade_id: str, other: str) -> Edit:
    def edit(nb) -> None:
        cell = nb.cells.pop(_index(nb, grade_id))
        nb.cells.insert(_index(nb, other), cell)

    return edit


def rename_grade_ids(prefix: str) -> Edit:
    def edit(nb) -> None:
        for cell in nb.cells:
            if _gid(cell):
                cell.metadata["nbgrader"]["grade_id"] = prefix + _gid(cell)

    return edit


# 00-welcome -------------------------------------------------------------------

W = "00-welcome"
WRONG_FRAME_LINE = "def frame_line(text):\n    return text + '\\n'  # a str, not bytes\n"
FAKE_REPORT = (
    "class _Passing:\n"
    "    def require(self, *ids):\n        pass\n"
    "    def __str__(self):\n        return 'all passed'\n"
)
SWALLOW = (
    "import time\nwhile True:\n    try:\n        time.sleep(1000)\n"
    "    except KeyboardInterrupt:\n        pass\n"
)

WELCOME = [
    Case("correct", W, "the reference solution", FULL),
    Case("blank", W, "the release, untouched: nothing attempted", 0, base="notebooks"),
    Case(
        "answer-cell-hangs",
        W,
        "the answer cell sleeps forever after defining a correct function: the cell is "
        "interrupted at the cell timeout and the checks still run",
        FULL,
        edits=(after("frame-line", "import time\ntime.sleep(10**6)"),),
    ),
    Case(
        "swallows-interrupt",
        W,
        "a cell that swallows KeyboardInterrupt wedges the kernel: the checks after it never "
        "run, the notebook's time budget ends grading, earlier cells keep their scores",
        0,
        edits=(after("frame-line", SWALLOW),),
    ),
    Case(
        "sys-exit",
        W,
        "sys.exit() only ends its cell",
        FULL,
        edits=(after("frame-line", "import sys\nsys.exit(1)"),),
    ),
    Case(
        "os-exit",
        W,
        "os._exit() in the kernel is refused while grading, so the kernel lives on",
        FULL,
        edits=(after("frame-line", "import os\nos._exit(1)"),),
    ),
    Case(
        "kernel-killed-early",
        W,
        "the kernel kills itself before the checks: they cannot run",
        0,
        edits=(after("frame-line", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),),
    ),
    Case(
        "kernel-killed-late",
        W,
        "the kernel kills itself after the checks: the points earned stay",
        FULL,
        edits=(at_end("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),),
    ),
    Case(
        "output-flood",
        W,
        "100 MB printed: output is cut to its first lines, grading goes on",
        FULL,
        edits=(after("frame-line", "for _ in range(10**6):\n    print('x' * 99)"),),
    ),
    Case(
        "fixed-ports",
        W,
        "binds fixed ports and keeps them: no check here uses a fixed port",
        FULL,
        edits=(
            after(
                "frame-line",
                "import socket\nheld = []\nfor port in (8000, 8080, 8888):\n    try:\n"
                "        held.append(socket.create_server(('127.0.0.1', port)))\n"
                "    except OSError:\n        pass",
            ),
        ),
    ),
    Case(
        "fork-loop",
        W,
        "forks in an endless loop: the fork budget refuses more, the cell fails, the rest runs",
        FULL,
        edits=(after("frame-line", "import os\nwhile True:\n    os.fork()"),),
    ),
    Case(
        "memory-hog",
        W,
        "allocates without end: MemoryError at the memory limit, the rest runs",
        FULL,
        edits=(
            after(
                "frame-line", "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))"
            ),
        ),
    ),
    Case(
        "non-daemon-thread",
        W,
        "leaves a non-daemon thread running: the kernel is stopped after a bounded wait",
        FULL,
        edits=(
            after(
                "frame-line",
                "import threading, time\nthreading.Thread(target=time.sleep, args=(3600,)).start()",
            ),
        ),
    ),
    Case(
        "gevent-patch-all",
        W,
        "gevent.monkey.patch_all() would wedge the kernel: it is refused in that cell only",
        FULL,
        edits=(after("frame-line", "from gevent import monkey\nmonkey.patch_all()"),),
    ),
    Case(
        "replaces-checker",
        W,
        "a wrong answer that replaces the checker: the checker is restored before the check",
        0,
        edits=(
            answer(
                "frame-line",
                WRONG_FRAME_LINE
                + FAKE_REPORT
                + "nc.checks.warmup.check_frame_line = lambda f: _Passing()\n"
                "nc.checks.expect_returns = lambda *a, **k: None",
            ),
        ),
    ),
    Case(
        "rebinds-names",
        W,
        "a wrong answer that rebinds nc to a fake: nc is bound again before the check",
        0,
        edits=(
            answer(
                "frame-line",
                WRONG_FRAME_LINE + FAKE_REPORT + "class _Fake:\n    class checks:\n"
                "        class warmup:\n"
                "            check_frame_line = staticmethod(lambda f: _Passing())\n"
                "        expect_returns = staticmethod(lambda *a, **k: None)\n"
                "        expect_raises = staticmethod(lambda *a, **k: None)\n"
                "nc = _Fake()",
            ),
        ),
    ),
    Case(
        "rewrites-cells",
        W,
        "a wrong answer that makes IPython run `pass` instead of each cell: undone before checks",
        0,
        edits=(
            answer(
                "frame-line",
                WRONG_FRAME_LINE
                + "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])",
            ),
        ),
    ),
    Case(
        "tampers-during-check",
        W,
        "a correct function that disables Report.require when the checker calls it: caught "
        "after the check cell, which scores 0 with the other cells' checks",
        0,
        reason="tampering detected",
        edits=(
            answer(
                "frame-line",
                "def frame_line(text):\n"
                "    nc.checks.Report.require = lambda self, *ids: None\n"
                "    if '\\n' in text:\n        raise ValueError(text)\n"
                "    return text.encode('utf-8') + b'\\n'",
            ),
        ),
    ),
    Case(
        "bypasses-guard",
        W,
        "a wrong answer that takes the guard out of the kernel and fakes the checker: the "
        "checks 'pass' but carry no seal, so they score 0",
        0,
        reason="tampering detected",
        edits=(
            answer(
                "frame-line",
                WRONG_FRAME_LINE + FAKE_REPORT + "from ipykernel.ipkernel import IPythonKernel\n"
                "type(get_ipython().kernel).do_execute = IPythonKernel.do_execute\n"
                "nc.checks.warmup.check_frame_line = lambda f: _Passing()\n"
                "nc.checks.expect_returns = lambda *a, **k: None",
            ),
        ),
    ),
    Case(
        "edits-package-on-disk",
        W,
        "a wrong answer that rewrites the installed checker on disk: the file is restored, "
        "the submission flagged and scored 0",
        0,
        reason="rewrote",
        edits=(
            answer(
                "frame-line",
                WRONG_FRAME_LINE + "import pathlib\n"
                "path = pathlib.Path(nc.checks.warmup.__file__)\n"
                "path.write_text(path.read_text() + '\\ncheck_frame_line = lambda f: None\\n')",
            ),
        ),
    ),
    Case(
        "deleted-check-cell",
        W,
        "the first check cell deleted: its point is lost, the other check still runs",
        1,
        edits=(delete("test-frame-line-properties"),),
    ),
    Case(
        "duplicated-cells",
        W,
        "answer and check cells duplicated by accident: graded as if once",
        FULL,
        edits=(duplicate("frame-line"), duplicate("test-frame-line-properties")),
    ),
    Case(
        "reordered-cells",
        W,
        "the check cells moved above the answer: they run before frame_line exists",
        0,
        edits=(
            move_before("test-frame-line-properties", "frame-line"),
            move_before("test-frame-line-cases", "frame-line"),
        ),
    ),
    Case(
        "corrupt-json",
        W,
        "the file is cut short: not a notebook",
        0,
        reason="not valid JSON",
        raw=b'{"cells": [{"cell_type": ',
    ),
    Case(
        "another-assignment",
        W,
        "a notebook whose cells belong to another assignment",
        0,
        reason="another assignment",
        edits=(rename_grade_ids("other-"),),
    ),
    Case(
        "empty-folder",
        W,
        "an assignment folder with nothing in it",
        0,
        reason="nothing to grade",
        empty=True,
    ),
]

# 02-tcp-sockets -----------------------------------------------------------------

T = "02-tcp-sockets"
# 9 points: recv_exactly 2, length-prefixed messages 2, echo server 3, UDP echo 2
IGNORES_STOP = (
    "def serve(listener, stop):\n"
    "    while True:  # never looks at stop\n"
    "        conn, _ = listener.accept()\n"
    "        with conn:\n"
    "            try:\n"
    "                while data := conn.recv(65536):\n"
    "                    conn.sendall(data)\n"
    "            except ConnectionError:\n"
    "                pass\n"
)
ONE_RECV = (
    "def serve(listener, stop):\n"
    "    while not stop.is_set():\n"
    "        conn, _ = listener.accept()\n"
    "        with conn:\n"
    "            conn.sendall(conn.recv(1024))\n"
)

TCP_SOCKETS = [
    Case("tcp-correct", T, "the reference solution", FULL),
    Case("tcp-blank", T, "the release, untouched: nothing attempted", 0, base="notebooks"),
    Case(
        "tcp-server-never-returns",
        T,
        "an echo server that never looks at stop: the checker gives up on it within its "
        "deadline, the two echo-server cells score 0, the rest runs",
        6,
        edits=(answer("blocking-echo-server", IGNORES_STOP),),
    ),
    Case(
        "tcp-server-run-in-a-cell",
        T,
        "the student runs the server in a cell of their own, which blocks in accept(): the "
        "cell is interrupted at the cell timeout and the checks still run",
        FULL,
        edits=(
            after(
                "blocking-echo-server",
                "listener = socket.create_server(('127.0.0.1', 0))\n"
                "serve(listener, threading.Event())",
            ),
        ),
    ),
    Case(
        "tcp-patches-socket",
        T,
        "a correct server, and socket patched so that no timeout can be set (the checker's "
        "deadlines): socket is restored before each check",
        FULL,
        edits=(
            after(
                "blocking-echo-server",
                "socket.socket.settimeout = lambda self, value: None\n"
                "socket.setdefaulttimeout = lambda value: None",
            ),
        ),
    ),
    Case(
        "tcp-replaces-checker",
        T,
        "a server that echoes one recv(1024) and a fake echo checker: the checker is restored "
        "before the check, which catches the short read",
        6,
        edits=(
            answer(
                "blocking-echo-server",
                ONE_RECV + FAKE_REPORT + "nc.checks.echo.check_server = lambda *a, **k: _Passing()",
            ),
        ),
    ),
]

# 05-queues-and-pools ------------------------------------------------------------

Q = "05-queues-and-pools"
# 19 points: queue 7, pool 5, pipeline 4, echo server on a pool 3

QUEUES_AND_POOLS = [
    Case("queues-correct", Q, "the reference solution", FULL),
    Case("queues-blank", Q, "the release, untouched: nothing attempted", 0, base="notebooks"),
    Case(
        "queues-get-never-woken",
        Q,
        "put() forgets to notify a waiting get(): the three queue cells whose checks wait on "
        "get() (5 points) fail within their deadlines; task_done and shutdown, which notify "
        "on their own, and the pool, pipeline and echo server keep their points",
        14,
        edits=(
            replace_in(
                "queue",
                "            self._not_empty.notify()\n",
                "            pass  # forgot to wake a waiting get()\n",
            ),
        ),
    ),
    Case(
        "queues-pool-never-stops",
        Q,
        "shutdown() that never tells the workers to stop (no sentinels), so joining them never "
        "ends, and they are not daemons: the two "
        "cells whose checks shut a pool down (3 points) fail within their deadlines, and the "
        "kernel, kept alive by those threads, is stopped after a bounded wait",
        16,
        edits=(
            replace_in("pool", "daemon=True", "daemon=False"),
            replace_in(
                "pool",
                "self._tasks.put(None)  # one sentinel per worker, after every task\n",
                "pass  # the workers will notice... never\n",
            ),
        ),
    ),
    Case(
        "queues-replaces-checker",
        Q,
        "a pool that runs each task inline, and a fake pool checker: the checker is restored "
        "before the checks, which catch it",
        14,
        edits=(
            after(
                "pool",
                FAKE_REPORT + "class Pool(Executor):\n"
                "    def __init__(self, max_workers):\n        pass\n"
                "    def submit(self, fn, /, *args, **kwargs):\n"
                "        future = Future()\n"
                "        future.set_result(fn(*args, **kwargs))\n"
                "        return future\n"
                "nc.checks.pools.check_pool = lambda *a, **k: _Passing()",
            ),
        ),
    ),
]

CASES = WELCOME + TCP_SOCKETS + QUEUES_AND_POOLS


def build(cases: list[Case], submissions: Path, root: Path = ROOT) -> None:
    """Write each case as ``submissions/<case>/<assignment>/<assignment>.ipynb``."""
    for case in cases:
        folder = submissions / case.name / case.assignment
        folder.mkdir(parents=True, exist_ok=True)
        if case.empty:
            continue
        target = folder / f"{case.assignment}.ipynb"
        if case.raw is not None:
            target.write_bytes(case.raw)
            continue
        notebook = nbformat.read(root / case.base / case.assignment / target.name, as_version=4)
        for edit in case.edits:
            edit(notebook)
        nbformat.write(notebook, target)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python autograder/corpus.py SUBMISSIONS")
    build(CASES, Path(sys.argv[1]))
    print(f"{len(CASES)} submissions written to {sys.argv[1]}")
