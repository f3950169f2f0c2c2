"""What a student sees when a cell fails: one line for a stub or a check, ``%%demo``'s one error."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from netcourse.checks import CheckFailure, NotAttempted
from netcourse.tools.notebook import missing_answer, short_form


def starter(data):
    # YOUR CODE HERE
    raise NotImplementedError()


def own_error():
    raise NotImplementedError("not on this platform")


def raised(function) -> BaseException:
    with pytest.raises(BaseException) as info:
        function()
    return info.value


def test_the_starter_line_is_an_answer_not_yet_written():
    found = missing_answer(raised(lambda: starter(b"")))
    assert isinstance(found, NotAttempted)
    assert "starter() still raises NotImplementedError" in str(found)


def test_a_not_implemented_error_of_ones_own_is_left_alone():
    assert missing_answer(raised(own_error)) is None
    assert short_form(raised(own_error)) is None
    assert short_form(ZeroDivisionError()) is None


def test_a_check_failure_is_shown_as_it_is():
    failure = CheckFailure("frame_line: 1 check(s) failed")
    assert short_form(failure) is failure
    stub = NotAttempted("not attempted: see short")
    assert missing_answer(stub) is stub


CELLS = {
    "try-it": "def answer(data):\n    raise NotImplementedError()\n\nanswer(b'')",
    "check": "raise nc.checks.CheckFailure('frame_line: 1 check(s) failed')",
    "own": "raise NotImplementedError('mine')",
    "demo-stub": "%%demo\nprint('before')\nanswer(b'')",
    "demo-error": "%%demo\n1 / 0",
}


@pytest.fixture(scope="module")
def outputs() -> dict[str, list]:
    cells = ["import netcourse as nc", *CELLS.values()]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, kernel_name="python3", allow_errors=True, timeout=60).execute()
    return {name: cell.outputs for name, cell in zip(CELLS, notebook.cells[1:], strict=True)}


def errors(outputs: list) -> list:
    return [o for o in outputs if o.output_type == "error"]


@pytest.mark.slow
def test_a_cell_that_reaches_a_stub_says_so_in_one_line(outputs):
    (error,) = errors(outputs["try-it"])
    assert error.ename == "NotImplementedError" and len(error.traceback) == 1
    assert "not attempted: answer() still raises" in error.traceback[0]


@pytest.mark.slow
def test_a_failed_check_shows_its_message_without_the_checkers_frames(outputs):
    (error,) = errors(outputs["check"])
    assert error.ename == "CheckFailure" and len(error.traceback) == 1
    assert "frame_line: 1 check(s) failed" in error.traceback[0]


@pytest.mark.slow
def test_other_errors_keep_their_traceback(outputs):
    (error,) = errors(outputs["own"])
    assert len(error.traceback) > 1


@pytest.mark.slow
def test_a_demo_whose_answer_is_missing_shows_one_short_error(outputs):
    (error,) = errors(outputs["demo-stub"])
    assert error.ename == "NotAttempted" and len(error.traceback) == 1
    assert "run_cell_magic" not in error.traceback[0]
    assert [o.text for o in outputs["demo-stub"] if o.output_type == "stream"] == ["before\n"]


@pytest.mark.slow
def test_a_demo_that_fails_otherwise_shows_its_traceback_then_one_line(outputs):
    traceback, stopped = errors(outputs["demo-error"])
    assert traceback.ename == "ZeroDivisionError" and len(traceback.traceback) > 1
    assert stopped.ename == "DemoError" and len(stopped.traceback) == 1
