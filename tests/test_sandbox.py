"""What a grading kernel's sandbox keeps out, and what must still work inside it.

Every attack here is code run in a sandboxed grading kernel, as a student's
cell would run it. The whole grading run against a hostile class is
tests/test_hostile.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import psutil
import pytest

from netcourse.grading.limits import LIMITS_VARIABLE
from netcourse.grading.nbgrader_worker import KERNEL_ARGV
from netcourse.grading.sandbox import GradingKernelManager, sweep, unavailable

from .conftest import ROOT
from .kernel_box import KernelBox, wait_gone

REASON = unavailable()
pytestmark = [pytest.mark.skipif(REASON is not None, reason=str(REASON)), pytest.mark.slow]


@pytest.fixture(autouse=True)
def grading_kernel(tmp_path_factory, monkeypatch):
    """The grading kernel as ``python3``, with limits, and no control group left behind."""
    data = tmp_path_factory.mktemp("jupyter")
    folder = data / "kernels" / "python3"
    folder.mkdir(parents=True)
    spec = {"argv": KERNEL_ARGV, "display_name": "grading", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(data))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")
    limits = {"memory_bytes": 3 * 2**30, "file_bytes": 8 * 2**20, "cpu_seconds": 120}
    monkeypatch.setenv(LIMITS_VARIABLE, json.dumps(limits))
    groups: list[Path] = []
    monkeypatch.setattr(KernelBox, "started", groups.append, raising=False)
    yield
    assert [group for group in groups if group.exists()] == []


@pytest.fixture
def root(tmp_path) -> Path:
    """A kernels' folder beside a grader's output and another student's work."""
    (tmp_path / "grades.json").write_text('{"alice": 10}')
    (tmp_path / "other-student").mkdir()
    (tmp_path / "other-student" / "answer.py").write_text("secret answer")
    (tmp_path / "kernels").mkdir()
    return tmp_path


@pytest.fixture
def box(root):
    with KernelBox(root / "kernels") as kernel:
        yield kernel


LEAVE_BEHIND = """
import os, subprocess, time
child = subprocess.Popen(["sleep", "{marker}"])  # a plain child
if os.fork() == 0:  # a daemon that double-forks
    os.setsid()
    if os.fork() == 0:
        os.execv("/usr/bin/sleep", ["sleep", "{marker}"])
    os._exit(0)
time.sleep(0.5)
"""


def sleepers(marker: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or [])]


def new_marker() -> str:
    return f"{4000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6}"  # sleep's argument


def test_the_sandbox_sees_only_itself(box):
    assert box.value("sorted(int(p) for p in os.listdir('/proc') if p.isdigit())") == [1, 2]
    assert box.value("os.getuid(), os.getgid(), os.getppid()") == (1000, 1000, 1)
    assert box.value("[name for _, name in socket.if_nameindex()]") == ["lo"]


def test_nothing_outside_can_be_signalled(box):
    sentinel = subprocess.Popen(["sleep", "60"])
    try:
        for pid in (os.getpid(), sentinel.pid):
            ran = box.run(f"os.kill({pid}, signal.SIGKILL)")
            assert ran.error and ran.error.startswith("ProcessLookupError"), ran
        box.run("os.kill(-1, signal.SIGKILL)")  # every process it may signal: none outside
        box.run("os.kill(1, signal.SIGKILL)")  # the sandbox's init ignores it
        assert sentinel.poll() is None
        assert box.value("'alive'") == "alive"
    finally:
        sentinel.kill()
        sentinel.wait()


def test_every_process_ends_with_the_kernel(root):
    marker = new_marker()
    box = KernelBox(root / "kernels")
    box.start()
    box.run(LEAVE_BEHIND.format(marker=marker))
    left = sleepers(marker)
    assert len(left) == 2
    box.stop(now=False)  # a polite shutdown, as nbclient's
    assert wait_gone(left, 0.5), left  # gone by the time the shutdown returns
    assert not list((root / "kernels").iterdir())


def test_killing_the_process_that_owns_a_sandbox_ends_it(root, tmp_path):
    """The worker that started bwrap is SIGKILLed: the sandbox dies with it."""
    marker = new_marker()
    owner = tmp_path / "owner.py"
    owner.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            sys.path.insert(0, {str(ROOT)!r})
            from pathlib import Path
            from tests.kernel_box import KernelBox
            box = KernelBox(Path({str(root / "kernels")!r}))
            box.start()
            box.run({LEAVE_BEHIND.format(marker=marker)!r})
            print("ready", flush=True)
            time.sleep(600)
            """
        )
    )
    process = subprocess.Popen([sys.executable, str(owner)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        left = sleepers(marker)
        assert len(left) == 2
        process.kill()
        process.wait()
        assert wait_gone(left, 5), left
        assert sweep(root / "kernels") == 1  # what the dead owner could not clean, the grader does
        assert not list((root / "kernels").iterdir())
    finally:
        process.kill()


def test_no_route_out_and_loopback_is_its_own(box):
    for address in ("8.8.8.8", "10.0.0.1", "192.168.1.1"):
        ran = box.run(f"socket.create_connection(({address!r}, 53), timeout=3)")
        assert ran.error and "Network is unreachable" in ran.error, (address, ran)
    with socket.create_server(("127.0.0.1", 0)) as outside:
        port = outside.getsockname()[1]
        ran = box.run(f"socket.create_connection(('127.0.0.1', {port}), timeout=3)")
        assert ran.error and ran.error.startswith("ConnectionRefusedError"), ran
    inside = box.value("(server := socket.create_server(('127.0.0.1', 0))).getsockname()[1]")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", inside), timeout=3)


def test_nothing_of_the_course_or_other_students_is_visible(box, root):
    secrets = [
        ROOT / "solutions",
        ROOT / "nbgrader_config.py",
        root / "grades.json",
        root / "other-student" / "answer.py",
    ]
    for path in secrets:
        assert path.exists(), path
        ran = box.run(f"open({str(path)!r}).read()")
        assert ran.error and ran.error.startswith(("FileNotFoundError", "IsADirectoryError")), (
            path,
            ran,
        )
    assert box.value(f"os.listdir({str(root / 'kernels')!r})") == [box.km._box.name]
    assert box.value("os.path.exists('/usr/local/share')") is False
    assert "root:" not in box.value("open('/etc/passwd').read()")


def test_writes_go_only_to_its_own_folders(box):
    import netcourse

    package = str(Path(netcourse.__file__).parent)
    for folder in ["/", "/usr/lib", "/etc", "/dev", sys.prefix, package, "/proc/1"]:
        ran = box.run(f"open(os.path.join({folder!r}, 'planted'), 'w').write('x')")
        assert ran.error and ran.error.startswith(("OSError", "PermissionError", "FileNotFound")), (
            folder,
            ran,
        )
        assert not os.path.exists(os.path.join(folder, "planted"))
    for folder in [str(box.km._box / "work"), "/tmp", "/dev/shm"]:
        assert box.run(f"open(os.path.join({folder!r}, 'planted'), 'w').write('x')").error is None
    ran = box.run("open('/sys/fs/cgroup/pids/cgroup.procs', 'w').write(str(os.getpid()))")
    assert ran.error and ran.error.startswith("FileNotFoundError"), ran


def test_the_limits_hold_inside_and_cannot_be_raised(box):
    got = box.value(
        "[__import__('resource').getrlimit(getattr(__import__('resource'), n)) "
        "for n in ('RLIMIT_AS', 'RLIMIT_FSIZE')]"
    )
    assert got == [(3 * 2**30,) * 2, (8 * 2**20,) * 2]
    ran = box.run("open('big', 'wb').write(b'x' * (9 * 2**20))")
    assert ran.error and "File too large" in ran.error, ran
    ran = box.run("import resource; resource.setrlimit(resource.RLIMIT_AS, (-1, -1))")
    assert ran.error and ran.error.startswith(("ValueError", "PermissionError")), ran
    ran = box.run("open('/tmp/big', 'wb').write(b'x' * (300 * 2**20))")  # /tmp is 256 MiB
    assert ran.error and ("No space left" in ran.error or "too large" in ran.error), ran


@pytest.mark.skipif(os.geteuid() != 0, reason="the pids control group needs a root grader")
def test_tasks_are_capped_by_the_control_group(root):
    with KernelBox(root / "kernels", limits={"tasks": 64}) as box:
        code = textwrap.dedent(
            """
            import threading
            stop, started = threading.Event(), 0
            try:
                for _ in range(300):
                    threading.Thread(target=stop.wait, daemon=True).start()
                    started += 1
            except RuntimeError as exc:
                print(started, exc)
            stop.set()
            """
        )
        out = box.run(code).stdout
        assert out and int(out.split()[0]) < 64, out


ECHO_AND_POOLS = """
import concurrent.futures as cf, multiprocessing as mp, socket, threading
server = socket.create_server(("localhost", 0))
def serve():
    conn, _ = server.accept()
    with conn:
        while data := conn.recv(1024):
            conn.sendall(data)
threading.Thread(target=serve, daemon=True).start()
with socket.create_connection(("127.0.0.1", server.getsockname()[1]), timeout=5) as client:
    client.sendall(b"hello sandbox")
    print(client.recv(1024).decode())
with cf.ThreadPoolExecutor(4) as pool:
    print(sum(pool.map(abs, range(-10, 0))))
for method in ("fork", "forkserver", "spawn"):
    with mp.get_context(method).Pool(2) as pool:
        print(method, pool.map(abs, [-1, -2]))
"""


def test_servers_threads_and_processes_work_inside(box):
    ran = box.run(ECHO_AND_POOLS, timeout=90)
    assert ran.error is None, (ran.error, ran.stderr)
    assert ran.stdout.splitlines() == [
        "hello sandbox", "55", "fork [1, 2]", "forkserver [1, 2]", "spawn [1, 2]",
    ]  # fmt: skip


def test_an_interrupt_reaches_the_kernel(box):
    from jupyter_client.utils import run_sync

    threading.Timer(1.0, run_sync(box.km.interrupt_kernel)).start()
    began = time.monotonic()
    ran = box.run("import time; time.sleep(30)")
    assert ran.error and ran.error.startswith("KeyboardInterrupt"), ran
    assert time.monotonic() - began < 20
    assert box.value("1 + 1") == 2


def test_its_folder_has_the_data_files_and_no_notebook(root, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("GRADER_SECRET", "s3cret")
    notebooks = root / "notebook"
    notebooks.mkdir()
    (notebooks / "capture.pcap").write_bytes(b"\xd4\xc3\xb2\xa1")
    (notebooks / "nb.ipynb").write_text("{}")
    with KernelBox(root / "kernels", cwd=notebooks) as box:
        assert "capture.pcap" in box.value("os.listdir()")
        assert "nb.ipynb" not in box.value("os.listdir()")
        env = box.value("dict(os.environ)")
    assert env["NBGRADER_EXECUTION"] == "autograde"  # %%demo cells skip on it
    assert "GRADER_SECRET" not in env and LIMITS_VARIABLE not in env


def test_the_manager_bypasses_nothing_of_nbgraders_execute(root):
    """GradingExecute runs cells sandboxed; a kernel that kills itself costs only later cells."""
    from nbformat.v4 import new_code_cell, new_notebook
    from traitlets.config import Config

    from netcourse.grading.execute import GradingExecute

    nb = new_notebook(
        cells=[
            new_code_cell("import os; print(os.getuid())"),
            new_code_cell("import signal; os.kill(os.getpid(), signal.SIGKILL)"),
            new_code_cell("print('never')"),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "P", "language": "python"}},
    )
    config = Config()
    config.GradingKernelManager.root = str(root / "kernels")
    execute = GradingExecute(config=config, timeout=60, notebook_budget=120)
    assert execute.kernel_manager_class is GradingKernelManager
    (root / "notebook").mkdir()
    nb, _ = execute.preprocess(nb, {"metadata": {"path": str(root / "notebook")}})
    assert nb.cells[0].outputs[0].text == "1000\n"
    assert [o.get("ename") for o in nb.cells[2].outputs] == ["NotRun"]
    assert not list((root / "kernels").iterdir())
