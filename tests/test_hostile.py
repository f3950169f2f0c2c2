"""A hostile class, graded in one `netcourse grade` run, and a grader that survives its class.

Every case of autograder/corpus.py scores what is recorded there (what its
honest code earns, or, where it forged its own checks, that score with a
review flag), costs bounded time and leaves the submitted files as they
were; every other student in the same run keeps the right score; no feedback
page shows the instructor's text or live HTML; nothing the class started
outlives the run, and nothing changes after it. Then the grader's own
survival: workers killed mid-run cost only their current student, and a
grader killed outright leaves nothing behind.
"""

from __future__ import annotations

import html.parser
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from netcourse.grading.cgroups import V1_ROOT, V2_ROOT
from netcourse.grading.pages import FEEDBACK_CAP, NBGRADER_FILES
from netcourse.grading.sandbox import cgroup_prefix, unavailable

from .conftest import ROOT, load_json
from .grading_tools import assert_feedback_hides_hidden_tests, tree_digest

REASON = unavailable()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=str(REASON))]

TIMEOUT = 60  # wall-clock limit per submission for this run
ARGS = ["--jobs", "2", "--timeout", str(TIMEOUT), "--cell-timeout", "10", "--limit-memory", "2048"]
DAEMON_MARKER = "netcourse-hostile-daemon"


def load_corpus():
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "autograder" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


CORPUS = load_corpus()


def grade_command(subs: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "netcourse", "grade", str(subs), *args, "--course", str(ROOT)]


def in_tmp(tmp: Path) -> dict[str, str]:
    """The environment for a grade run whose temporary files all go to ``tmp``."""
    return {**os.environ, "TMPDIR": str(tmp)}


def cgroups(tmp: Path) -> set[Path]:
    """The control groups of the grade runs that use ``tmp`` for their temporary files."""
    prefix = cgroup_prefix(str(tmp))
    return {p for root in (V1_ROOT, V2_ROOT) for p in root.glob(f"{prefix}-*")}


def leftovers(tmp: Path) -> list[str]:
    """Processes of a finished run: its workers, kernels and daemons, its janitor."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        try:
            home = process.environ().get("NETCOURSE_WORKER_HOME", "") if "worker" in line else ""
        except psutil.Error:
            home = ""
        if DAEMON_MARKER in line or str(tmp) in line or home.startswith(str(tmp)):
            found.append(f"{process.pid}: {line[:200]}")
    return found


def outputs_digest(work: Path) -> dict[str, str]:
    return {name: tree_digest(work / name) for name in ("fb",)} | {
        name: str(tree_digest(work).get(name)) for name in ("grades.json", "grades.csv")
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    tmp = work / "tmp"
    tmp.mkdir()
    subs = work / "submissions"
    CORPUS.build(CORPUS.CASES, subs, tmp=str(tmp))
    before = tree_digest(subs)
    args = [*ARGS, "--json", "grades.json", "--csv", "grades.csv", "--feedback", "fb"]
    result = subprocess.run(
        grade_command(subs, *args), cwd=work, env=in_tmp(tmp), capture_output=True, text=True,
        timeout=3600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    written = outputs_digest(work)
    time.sleep(3)  # anything left running would have rewritten them by now
    rows = {(row["student"], row["assignment"]): row for row in _csv(work / "grades.csv")}
    return {
        "json": load_json(work / "grades.json"),
        "rows": rows,
        "work": work,
        "stdout": result.stdout,
        "unchanged": tree_digest(subs) == before,
        "stable": outputs_digest(work) == written,
        "left": leftovers(tmp) + [str(p) for p in cgroups(tmp)] + os.listdir(tmp),
    }


def _csv(path):
    import csv

    return list(csv.DictReader(path.open(encoding="utf-8")))


def entry_of(graded, case):
    return graded["json"]["students"][case.name][case.assignment]


@pytest.mark.parametrize("case", CORPUS.CASES, ids=[c.name for c in CORPUS.CASES])
def test_each_case_scores_as_recorded_with_its_reason(graded, case):
    entry = entry_of(graded, case)
    expected = entry["max_score"] if case.score == CORPUS.FULL else case.score
    reasons = [
        e["reason"]
        for e in graded["json"]["errors"]
        if e["student"] == case.name and e["assignment"] == case.assignment
    ]
    assert entry["score"] == expected, f"{case.name} ({case.why}): {entry} {reasons}"
    if case.reason:
        assert any(case.reason in r for r in reasons), reasons
    for reason in reasons:
        assert reason and "\n" not in reason


@pytest.mark.parametrize("case", CORPUS.CASES, ids=[c.name for c in CORPUS.CASES])
def test_what_only_a_human_can_judge_is_flagged_and_nothing_else(graded, case):
    notes = entry_of(graded, case)["review"]
    if case.review:
        assert any(case.review in note for note in notes), notes
    elif case.forged:
        assert notes, f"{case.name} forged its checks and was not flagged"
    else:
        assert notes == [], f"{case.name} is honest code, flagged: {notes}"


@pytest.mark.parametrize("case", CORPUS.CASES, ids=[c.name for c in CORPUS.CASES])
def test_each_case_costs_bounded_time(graded, case):
    seconds = float(graded["rows"][case.name, case.assignment]["seconds"])
    assert seconds <= TIMEOUT * 1.5, f"{case.name} took {seconds} s"


def test_every_student_has_a_row_for_every_assignment(graded):
    assignments = {case.assignment for case in CORPUS.CASES}
    assert set(graded["rows"]) == {(c.name, a) for c in CORPUS.CASES for a in assignments}
    missing = graded["rows"]["correct", "02-tcp-sockets"]
    assert missing["error"] == "no notebook" and float(missing["score"]) == 0


def test_submitted_files_are_byte_identical_afterwards(graded):
    assert graded["unchanged"]


def test_nothing_outlives_the_run_and_nothing_changes_after_it(graded):
    assert graded["left"] == []
    assert graded["stable"]


def test_feedback_never_shows_hidden_tests_or_solutions(graded):
    assignments = sorted({case.assignment for case in CORPUS.CASES})
    assert_feedback_hides_hidden_tests(graded["work"] / "fb", assignments)


def test_feedback_holds_only_the_pages_within_the_cap(graded):
    for folder in (graded["work"] / "fb").glob("*/*"):
        names = {p.name for p in folder.iterdir()}
        assert names - set(NBGRADER_FILES) == {f"{folder.name}.html"}, folder
        assert sum(p.stat().st_size for p in folder.iterdir()) <= FEEDBACK_CAP


class _Active(html.parser.HTMLParser):
    """Collects what in a page could act: script text, handlers, frames, forms, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.policy = False
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
            self.policy = "default-src 'none'" in (values.get("content") or "")
        if tag in ("iframe", "form", "object", "embed", "input"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and ("alert(" in data or "PWNED" in data):
            self.found.append(f"<script>{data[:60]}")


def test_feedback_runs_no_script_and_holds_no_active_html(graded):
    pages = sorted((graded["work"] / "fb").glob("*/*/*.html"))
    assert any("active-html" in str(p) for p in pages)
    for page in pages:
        parser = _Active()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.found == [], (page, parser.found)
        assert parser.policy, f"{page} has no script-blocking policy"


def test_the_summary_counts_what_to_review(graded):
    flagged = sum(1 for s in graded["json"]["students"].values() for e in s.values() if e["review"])
    assert flagged >= sum(1 for c in CORPUS.CASES if c.forged or c.review)
    assert f"{flagged} to review by hand" in graded["stdout"]
    assert graded["json"]["sandboxed"] is True


# --- the grader survives its class -----------------------------------------------------


def small_class(subs: Path, correct: int, blank: int) -> None:
    import shutil

    for i in range(correct):
        shutil.copytree(ROOT / "solutions" / "00-welcome", subs / f"ok-{i:02d}" / "00-welcome")
    for i in range(blank):
        shutil.copytree(ROOT / "notebooks" / "00-welcome", subs / f"blank-{i:02d}" / "00-welcome")


def workers_of(grader: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in grader.children():
        try:
            if "nbgrader_worker" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


def grading_now(worker: psutil.Process) -> bool:
    """Whether the worker is running a student's kernel (a sandbox of its own) right now."""
    try:
        return any(p.name() == "bwrap" for p in worker.children(recursive=True))
    except psutil.Error:
        return False


def kill_workers_while_they_grade(grader: subprocess.Popen, kills: int) -> list[int]:
    """SIGKILL a worker that is grading, ``kills`` times, each a different worker process."""
    killed: list[int] = []
    deadline = time.monotonic() + 300
    while len(killed) < kills and grader.poll() is None and time.monotonic() < deadline:
        for worker in workers_of(psutil.Process(grader.pid)):
            if worker.pid not in killed and grading_now(worker):
                worker.kill()
                killed.append(worker.pid)
                time.sleep(1)
                break
        time.sleep(0.05)
    return killed


def test_workers_killed_mid_run_cost_only_their_current_students(tmp_path):
    tmp, subs = tmp_path / "tmp", tmp_path / "subs"
    tmp.mkdir()
    small_class(subs, correct=8, blank=2)
    grader = subprocess.Popen(
        grade_command(subs, "--jobs", "2", "--json", "g.json", "--feedback", "fb"),
        cwd=tmp_path, env=in_tmp(tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    killed: list[int] = []
    killer = threading.Thread(
        target=lambda: killed.extend(kill_workers_while_they_grade(grader, 2))
    )
    killer.start()
    _, err = grader.communicate(timeout=900)
    killer.join()
    assert grader.returncode == 0, err[-3000:]
    assert len(killed) == 2
    grades = load_json(tmp_path / "g.json")
    died = [e for e in grades["errors"] if "died unexpectedly" in e["reason"]]
    assert len(died) == 2, grades["errors"]
    assert len(grades["errors"]) == 2, grades["errors"]  # every other student graded normally
    for student, assignments in grades["students"].items():
        entry = assignments["00-welcome"]
        if any(e["student"] == student for e in died):
            continue
        expected = entry["max_score"] if student.startswith("ok-") else 0
        assert entry["score"] == expected, (student, entry)
    assert leftovers(tmp) == [] and cgroups(tmp) == set() and os.listdir(tmp) == []


def test_a_grader_killed_outright_leaves_nothing_and_the_next_run_starts_clean(tmp_path):
    tmp, subs = tmp_path / "tmp", tmp_path / "subs"
    tmp.mkdir()
    small_class(subs, correct=4, blank=0)
    grader = subprocess.Popen(
        grade_command(subs, "--jobs", "2"), cwd=tmp_path, env=in_tmp(tmp),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not any(grading_now(w) for w in workers_of(psutil.Process(grader.pid))):
            assert time.monotonic() < deadline and grader.poll() is None
            time.sleep(0.05)
        assert os.listdir(tmp), "the run's scratch folder is there while it grades"
    finally:
        grader.send_signal(signal.SIGKILL)  # as the OOM killer would
        grader.wait()
    deadline = time.monotonic() + 60
    while (leftovers(tmp) or os.listdir(tmp)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers(tmp) == [] and os.listdir(tmp) == []
    assert cgroups(tmp) == set()
    again = subprocess.run(
        grade_command(subs, "--jobs", "2", "--json", "g.json"), cwd=tmp_path, env=in_tmp(tmp),
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    scores = load_json(tmp_path / "g.json")["students"]
    assert all(s["00-welcome"]["score"] == s["00-welcome"]["max_score"] for s in scores.values())
