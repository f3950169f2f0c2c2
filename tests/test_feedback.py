"""Feedback keeps the instructor's text out and runs no script: hidden tests, solutions, HTML."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from netcourse.grading import pages
from netcourse.grading.feedback import (
    PLACEHOLDER,
    REDACTED,
    HideHiddenTests,
    inert_markdown,
    secret_lines,
    without_hidden_tests,
)
from netcourse.grading.pipeline import RestoreHiddenTests, released_source, sanitize_steps

TEST_CELL = '''"""checks frame_line"""
nc.checks.expect_returns(frame_line, ("",), b"\\n", "visible")
### BEGIN HIDDEN TESTS
nc.checks.expect_returns(frame_line, ("secret input",), b"secret expected", "why")
### END HIDDEN TESTS
print("after")
'''


def test_hidden_regions_are_replaced_by_a_note():
    stripped = without_hidden_tests(TEST_CELL)
    assert "secret" not in stripped and "HIDDEN" not in stripped
    assert PLACEHOLDER in stripped
    assert stripped.startswith('"""checks frame_line"""') and stripped.endswith('print("after")\n')
    assert without_hidden_tests("no markers\n") == "no markers\n"


def test_test_cells_lose_hidden_source_and_tracebacks_but_other_cells_keep_theirs():
    meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}
    error = new_output(
        "error", ename="CheckFailure", evalue="wrong", traceback=["line 4: b'secret expected'"]
    )
    test = new_code_cell(TEST_CELL, metadata=meta, outputs=[error])
    own = new_code_cell(
        "1/0", outputs=[new_output("error", ename="E", evalue="v", traceback=["x"])]
    )
    notebook = new_notebook(cells=[test, own])
    processed, _ = HideHiddenTests().preprocess(notebook, {})
    text = nbformat.writes(processed)
    assert "secret" not in text
    assert processed.cells[0].outputs[0].traceback == ["\x1b[0;31mCheckFailure\x1b[0m: wrong"]
    assert processed.cells[1].outputs[0].traceback == ["x"]


SOLUTION_CELL = (
    "def frame_line(text):\n    ### BEGIN SOLUTION\n"
    "    return text.encode('utf-8') + b'\\n'  # the model answer\n    ### END SOLUTION\n"
)


def test_secret_lines_are_the_hidden_tests_and_solutions_only():
    meta = {"nbgrader": {"grade": False, "solution": True, "grade_id": "a"}}
    secrets = secret_lines([{"source": TEST_CELL}, {"source": SOLUTION_CELL, "metadata": meta}])
    assert 'nc.checks.expect_returns(frame_line, ("secret input",), b"secret expected", "why")' in (
        secrets
    )
    assert "return text.encode('utf-8') + b'\\n'  # the model answer" in secrets
    assert not any("visible" in line or "after" in line for line in secrets)


def test_every_output_loses_the_lines_that_hold_a_secret():
    meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}
    printed = new_output(
        "stream", name="stdout", text=f"my history:\n{TEST_CELL}the end\n"
    )  # a student's cell printing In[]
    shown = new_output(
        "display_data",
        data={"text/html": "<pre>### BEGIN HIDDEN TESTS</pre>", "text/plain": TEST_CELL},
        metadata={"text/html": {"isolated": True}},
    )
    notebook = new_notebook(
        cells=[
            new_code_cell(TEST_CELL, metadata=meta),
            new_code_cell("print(In)", outputs=[printed, shown]),
        ],
        metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}},
    )
    processed, _ = HideHiddenTests().preprocess(notebook, {})
    text = nbformat.writes(processed)
    assert "secret" not in text
    assert REDACTED in processed.cells[1].outputs[0].text
    assert processed.cells[1].outputs[0].text.startswith("my history:\n")
    assert processed.cells[1].outputs[0].text.endswith("the end\n")
    assert processed.cells[1].outputs[1].metadata == {}
    assert "widgets" not in processed.metadata


def test_published_pages_run_no_script_and_stay_within_the_cap(tmp_path, monkeypatch):
    source, target, submitted = tmp_path / "scratch", tmp_path / "fb", tmp_path / "sub"
    for folder in (source, submitted):
        folder.mkdir()
    (source / "nb.html").write_text("<html><head><title>t</title></head><body>ok</body></html>")
    (source / "big.html").write_text("x" * 4096)
    (source / "bulk.bin").write_bytes(b"x" * 100)
    (submitted / "timestamp.txt").write_text("2026-01-01 10:00:00.000000 UTC")
    (submitted / "submission_secret.txt").write_text("s3cret")
    monkeypatch.setattr(pages, "FEEDBACK_CAP", 1024)
    pages.publish(source, target, ["nb.html", "big.html", "missing.html"], submitted)
    assert sorted(p.name for p in target.iterdir()) == [
        "big.html", "nb.html", "submission_secret.txt", "timestamp.txt",
    ]  # fmt: skip
    page = (target / "nb.html").read_text()
    assert page.startswith('<html><head><meta http-equiv="Content-Security-Policy"')
    assert "default-src 'none'" in page and "ok" in page
    assert "over the" in (target / "big.html").read_text()


HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x]( JavaScript:alert(1))",
    "<iframe src=x></iframe>",
    "<form></form>",
]


def test_markdown_for_the_formgrader_stays_as_written_unless_it_could_act():
    honest = "# Answer\n\n`a < b`, [docs](https://docs.python.org), ![plot](plot.png)\n\n- [ ] todo"
    assert inert_markdown(honest) == honest
    for hostile in HOSTILE_MARKDOWN:
        safe = inert_markdown(hostile).lower()
        assert not any(
            word in safe for word in ("<script", "onerror", "javascript", "<iframe", "<form")
        )


def test_autograde_puts_hidden_tests_back_without_a_checksum_alarm():
    assert RestoreHiddenTests in sanitize_steps()
    released = released_source(TEST_CELL)
    assert "secret input" not in released and "visible" in released and "after" in released
