"""The review field: what in a submission's own code reaches for the interpreter's machinery."""

from __future__ import annotations

import inspect
import json

import pytest

import netcourse as nc
from netcourse.grading.review import course_lines, review

from .conftest import ROOT


def notebook(*sources: str, added: str | None = None) -> dict:
    meta = {"nbgrader": {"solution": True, "grade": False, "grade_id": "answer"}}
    cells = [{"cell_type": "code", "source": s, "metadata": meta} for s in sources]
    if added is not None:
        cells.append({"cell_type": "code", "source": added, "metadata": {}})
    return {"cells": cells}


@pytest.mark.parametrize(
    ("source", "phrase"),
    [
        ("import sys; sys.displayhook('graded')", "the displayhook"),
        ("import sys\nsys.addaudithook(print)", "an audit hook"),
        ("import sys as s\nf = s._getframe(1)", "frame inspection"),
        ("def f():\n    return sys._current_frames()[0].f_back.f_locals", "frame inspection"),
        ("import gc\ngc.get_objects()", "gc"),
        ("import ctypes", "ctypes"),
        ("open('/proc/1/cmdline').read()", "/proc"),
        ("get_ipython().kernel.do_execute = None", "the kernel object"),
        ("print(In[-2])", "the input history"),
        ("print(_i3)", "the input history"),
        ("import sys\nsys.modules['netcourse'] = None", "sys.modules"),
        ("import builtins\nbuiltins.print = len", "builtins"),
        ("import os\nos.kill(os.getppid(), 9)", "signals to other processes"),
        ("from os import kill", "signals to other processes"),
        ("import inspect\ninspect.stack()", "inspect of callers"),
        ("nc.checks.warmup.check_frame_line = lambda f: None", "a patch of netcourse"),
        ("import socket\nsocket.socket.settimeout = lambda s, v: None", "a patch of socket"),
        ("setattr(nc.checks, 'expect_returns', print)", "a patch of netcourse"),
        ("getattr(nc, 'che' + 'cks')", "dynamic code"),
        ("exec('x = 1')", "dynamic code"),
        ("class B(bytes):\n    def __eq__(self, other):\n        return True", "__eq__ is its own"),
        ("!kill -9 1", "a shell command"),
        ("%%bash\nps aux", "the magic %bash"),
    ],
)
def test_what_honest_answers_have_no_use_for_is_flagged(source, phrase):
    notes = review(notebook(source))
    assert any(phrase in note for note in notes), notes
    assert all(note.startswith("answer, line ") for note in notes), notes


def test_added_cells_are_read_and_named_by_position():
    notes = review(notebook("x = 1", added="import gc"))
    assert notes == ["cell 2, line 1: gc (import gc)"]


@pytest.mark.parametrize(
    "source",
    [
        "def frame_line(text):\n    return text.encode('utf-8') + b'\\n'",
        "import re, socket, threading\npattern = re.compile('x')\nsock.settimeout(1)",
        "class Pool:\n    def __eq__(self, other):\n        return self is other",
        "%%demo\nprint('hi')",
        "%timeit sum(range(10))",
        "process.kill()\nself.stack = []",
        "def broken(:",  # a syntax error is the student's, not a trick
    ],
)
def test_ordinary_code_is_not_flagged(source):
    assert review(notebook(source)) == []


def test_test_cells_and_locked_cells_are_nbgraders_to_restore():
    test = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}
    locked = {"nbgrader": {"grade": False, "solution": False, "locked": True, "grade_id": "s"}}
    cells = [
        {"cell_type": "code", "source": "import gc", "metadata": test},
        {"cell_type": "code", "source": "import gc", "metadata": locked},
    ]
    assert review({"cells": cells}) == []


def test_the_course_notebooks_lines_are_never_flagged():
    for folder in sorted((ROOT / "solutions").iterdir()):
        for path in sorted(folder.glob("*.ipynb")):
            nb = json.loads(path.read_text(encoding="utf-8"))
            release = json.loads((ROOT / "notebooks" / folder.name / path.name).read_text())
            known = course_lines([nb, release])
            assert review(nb, known) == [], path
            assert review(release, known) == [], path
    assert review(notebook("import gc"), frozenset({"import gc"})) == []


def test_a_kernel_that_kills_itself_is_not_flagged():
    assert review(notebook("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")) == []


@pytest.mark.parametrize(
    "source",
    [
        "serve = nc.echo_threads.serve",
        "def serve(listener, stop):\n    nc.contenders.serve_thread_pool(listener, stop, 4)",
        "from netcourse.tools import scheduler\nrun = scheduler.run",
        "from netcourse.tools.coroutine_servers import serve_asyncio",
        "import netcourse.tools.reactor as r",
        "serve = nc.tools.echo_threads.serve",
        "import netcourse\nrun = netcourse.tools.scheduler.run",
    ],
)
def test_an_answer_that_uses_the_courses_own_server_is_flagged(source):
    notes = review(notebook(source))
    assert notes and all("the course's own server, nc." in note for note in notes), notes


def test_a_copy_of_the_courses_server_is_flagged_with_its_names_changed():
    copied = inspect.getsource(nc.scheduler.run).replace("tasks", "jobs").replace("ready", "go")
    assert "jobs" in copied
    first = copied.splitlines()[0]
    notes = review(notebook(copied), frozenset({first.strip()}))  # the def line is the stub's
    assert notes == [f"answer, line 1: a copy of the course's nc.scheduler.run ({first[:60]})"]


def test_a_short_function_written_the_way_the_package_writes_it_is_not_a_copy():
    assert review(notebook(inspect.getsource(nc.echo_threads.echo))) == []


def test_the_courses_own_code_given_in_a_notebook_is_not_a_copy():
    given = inspect.getsource(nc.scheduler.run)
    assert review(notebook(given), course_lines([notebook(given)])) == []
