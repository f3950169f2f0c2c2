"""`netcourse check-queue` and `check-pool`: the standard library and other real classes, files
and bad targets."""

import json
import sys

import pytest

from netcourse import commands as cli
from netcourse.checks import SKIPPED, pools, queues

from .conftest import run_netcourse
from .three_ways import assert_fails_exactly, wrong


def test_queue_queue_passes_check_queue_from_the_command_line(tmp_path):
    result = run_netcourse("check-queue", "queue:Queue", "--json", str(tmp_path / "q.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    checks = json.loads((tmp_path / "q.json").read_text())["checks"]
    assert len(checks) == 9 and len(result.stdout.strip().splitlines()) == 1 + 9
    shutdown = "passed" if sys.version_info >= (3, 13) else "skipped"
    assert {c: v["status"] for c, v in checks.items()} == {
        **{c: "passed" for c in checks},
        "shutdown": shutdown,
    }
    assert all(set(v) == {"status", "message", "seconds"} for v in checks.values())


def test_thread_pool_executor_passes_check_pool(capsys):
    assert cli.main(["check-pool", "concurrent.futures:ThreadPoolExecutor"]) == 0
    out = capsys.readouterr().out
    assert out.count("PASSED") == 8, out


def test_a_wrong_queue_in_a_file_fails_with_exit_1(tmp_path, capsys):
    source = tmp_path / "my_queue.py"
    source.write_text("from queue import LifoQueue as Queue\n", encoding="utf-8")
    report = tmp_path / "report.json"
    assert cli.main(["check-queue", f"{source}:Queue", "--json", str(report)]) == 1
    checks = json.loads(report.read_text())["checks"]
    assert [c for c, v in checks.items() if v["status"] == "failed"] == ["fifo"]
    assert "last-in first-out" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("target", "phrase"),
    [
        ("queue", "TARGET must be module:Name or path/to/file.py:Name"),
        ("queue:", "TARGET must be"),
        ("no_such_module_here:Queue", "cannot import 'no_such_module_here'"),
        ("queue:Nope", "queue has no 'Nope'"),
        ("/no/such/file.py:Queue", "no such file: /no/such/file.py"),
    ],
)
@pytest.mark.parametrize("command", ["check-queue", "check-pool"])
def test_a_bad_target_is_one_line_and_exit_2(command, target, phrase, capsys):
    assert cli.main([command, target]) == 2
    err = capsys.readouterr().err
    assert phrase in err and len(err.strip().splitlines()) == 1, err


def test_a_file_that_fails_to_load_is_a_usage_error(tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('half written')\n", encoding="utf-8")
    assert cli.main(["check-pool", f"{broken}:Pool"]) == 2
    assert "raised RuntimeError: half written" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["check-queue", "check-pool"])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
    assert "module:Name or path/to/file.py:Name" in capsys.readouterr().out


def _real(target: str):
    module, _, name = target.partition(":")
    return getattr(pytest.importorskip(module), name)


# Real classes, each judged for what it is: the checks it fails, a phrase of theirs.
# queue.Queue's own subclasses have shutdown() only from Python 3.13 and skip it before.
REAL_QUEUES = [
    ("queue:SimpleQueue", {"blocks-when-full", "task-done-join", "shutdown"}, "has no task_done()"),
    ("queue:LifoQueue", {"fifo"}, "last-in first-out"),
    ("queue:PriorityQueue", {"fifo"}, "'<' not supported"),
    ("multiprocessing:Queue", {"task-done-join", "shutdown"}, "has no task_done()"),
    ("multiprocessing:JoinableQueue", {"shutdown"}, "has no shutdown()"),
    ("gevent.queue:Queue", {"blocks-when-full", "blocks-when-empty", "task-done-join"}, "LoopExit"),
]


@pytest.mark.parametrize(
    ("target", "fails", "phrase"), REAL_QUEUES, ids=[q[0] for q in REAL_QUEUES]
)
def test_a_real_queue_class_gets_a_whole_report_right_for_what_it_is(target, fails, phrase):
    queue_class = _real(target)
    report = queues.check_queue(queue_class)
    if sys.version_info < (3, 13) and report["shutdown"].message.startswith("queue.Queue has"):
        report.results = [r for r in report.results if r.id != "shutdown"]
    assert_fails_exactly(report, wrong(queue_class, fails, phrase))
    assert "Traceback" not in str(report)


@pytest.mark.parametrize(
    ("target", "fails", "phrase"),
    [
        ("concurrent.futures:ProcessPoolExecutor", set(), ""),
        ("multiprocessing.pool:ThreadPool", {"runs-tasks", "shutdown-wait"}, "has no submit()"),
    ],
)
def test_a_real_pool_class_gets_a_whole_report_right_for_what_it_is(target, fails, phrase):
    report = pools.check_pool(_real(target))
    if not fails:  # a process pool: the barrier's check says it is for thread pools
        assert report["concurrency"].status == SKIPPED
        assert "for thread pools" in report["concurrency"].message
        report.results = [r for r in report.results if r.id != "concurrency"]
    assert_fails_exactly(report, wrong(target, fails, phrase))
