"""One Linux sandbox per grading kernel, built with bubblewrap and driven from outside.

The kernel, and everything student code starts, runs inside ``bwrap`` with
user, PID, network, IPC, UTS and cgroup namespaces of its own, as uid 1000,
in a mount view that holds only the Python environment (read-only), a few
made-up ``/etc`` files, its own ``/proc``, a minimal ``/dev``, a size-capped
private ``/tmp`` and ``/dev/shm``, and two writable folders of its own:
``work`` (its working directory, a copy of the notebook folder's data files)
and ``run`` (the connection file and the ZMQ ipc sockets). nbgrader, nbclient
and everything that scores stay outside, in the grading worker, and talk to
the kernel over those Unix sockets, which cross the network namespace because
they live in the file system. Nothing the sandbox writes is ever read back.

:class:`GradingKernelManager` starts every kernel this way (or, unsandboxed,
as a plain process with the same working-folder copy and control group), and
its clean-up returns only once every process of the sandbox has ended.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Dict, Float, Integer, List, Unicode

from .cgroups import TaskCgroup
from .limits import LIMITS_VARIABLE, KernelLimits

INSIDE_UID = 1000
MIB = 2**20
NAMESPACES = (
    "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
    "--unshare-uts", "--unshare-cgroup",
)  # fmt: skip
# What the grader's environment may hand a sandboxed kernel: nbgrader's own
# markers (%%demo cells skip on them) and the kernel's limits.
PASSTHROUGH = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING", LIMITS_VARIABLE)
ETC_FILES = {
    "passwd": f"student:x:{INSIDE_UID}:{INSIDE_UID}:student:/tmp:/usr/sbin/nologin\n",
    "group": f"student:x:{INSIDE_UID}:\n",
    "hosts": "127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost\n",
    "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
}
HOST_ETC = ("ld.so.cache", "localtime")  # harmless host files the dynamic loader and time use
# Under /usr, only /usr/local may hold what students must not see (nbgrader's
# default exchange is /usr/local/share/nbgrader/exchange): it is hidden.
HIDDEN_UNDER_USR = Path("/usr/local")
CGROUP_FILE = "cgroup"  # in a sandbox's folder: the path of its pids control group
SOCKETS_FILE = "sockets"  # in a sandbox's folder: where its ipc sockets are, when elsewhere
SOCKET_PATH_MAX = 100  # Linux caps a Unix socket's path at 107 bytes


def cgroup_prefix(tmp: str | None = None) -> str:
    """The names of the control groups of the runs that use the temporary folder ``tmp``."""
    folder = tmp or tempfile.gettempdir()
    return "netcourse-" + hashlib.sha1(folder.encode()).hexdigest()[:8]


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def unavailable() -> str | None:
    """Why grading sandboxes cannot run here (one line), or None when they can."""
    if sys.platform != "linux":
        return f"grading sandboxes need Linux namespaces, and this is {sys.platform}"
    bwrap = bwrap_path()
    if bwrap is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        probe = subprocess.run(
            [bwrap, *NAMESPACES, "--ro-bind", "/", "/", "true"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run here: {exc}"
    if probe.returncode:
        reason = probe.stderr.strip().splitlines()[-1][:200] if probe.stderr.strip() else ""
        return f"bubblewrap cannot create namespaces here: {reason or probe.returncode}"
    return None


def python_paths() -> tuple[Path, ...]:
    """The folders a kernel needs to see read-only: this interpreter and the course package."""
    import netcourse

    prefixes = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    package = Path(netcourse.__file__).resolve().parent.parent
    if not any(package.is_relative_to(p) for p in prefixes):
        prefixes.add(package)  # an editable install: the source folder
    paths: set[Path] = set()
    for prefix in prefixes:
        if prefix.is_relative_to(HIDDEN_UNDER_USR):  # e.g. Docker's /usr/local python
            paths.update(p for p in (prefix / "bin", prefix / "lib") if p.is_dir())
        elif not prefix.is_relative_to("/usr"):
            paths.add(prefix)
    return tuple(sorted(paths))


def exposed(paths: list[Path]) -> list[tuple[Path, Path]]:
    """Which of ``paths`` a sandbox would see, each with the bound folder that shows it."""
    seen = []
    for path in paths:
        resolved = path.resolve()
        for bound in (Path("/usr"), *python_paths()):
            hidden = bound == Path("/usr") and resolved.is_relative_to(HIDDEN_UNDER_USR)
            if resolved.is_relative_to(bound) and not hidden:
                seen.append((path, bound))
                break
    return seen


@dataclass(frozen=True)
class Sandbox:
    """One kernel's bubblewrap command line."""

    work: Path  # writable; the working directory
    run: Path  # writable; the connection file and (where their paths fit) the ipc sockets
    etc: Path  # the made-up /etc files, bound read-only one by one
    sockets: Path | None = None  # writable; the ipc sockets, when their paths would not fit
    env: dict[str, str] = field(default_factory=dict)
    readonly: tuple[Path, ...] = field(default_factory=python_paths)
    tmp_bytes: int = 256 * MIB
    shm_bytes: int = 64 * MIB
    info_fd: int | None = None  # where bwrap reports the sandbox's PID 1, as seen outside

    def argv(self, command: list[str]) -> list[str]:
        """The bwrap command line that runs ``command`` in this sandbox."""
        argv = [bwrap_path() or "bwrap", *NAMESPACES, "--disable-userns"]
        argv += ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        argv += ["--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID), "--hostname", "sandbox"]
        argv += ["--ro-bind", "/usr", "/usr", "--tmpfs", str(HIDDEN_UNDER_USR)]
        for link in ("bin", "sbin", "lib", "lib64"):
            if Path("/" + link).is_symlink():  # a merged /usr
                argv += ["--symlink", os.readlink("/" + link), "/" + link]
        # The fresh /tmp first: the Python, the package and the folders bound after it stay
        # visible even when they live under the grader's /tmp (a CI clone, say).
        argv += ["--proc", "/proc", "--dev", "/dev"]
        argv += ["--perms", "1777", "--size", str(self.shm_bytes), "--tmpfs", "/dev/shm"]
        argv += ["--perms", "1777", "--size", str(self.tmp_bytes), "--tmpfs", "/tmp"]
        for path in self.readonly:
            argv += ["--ro-bind", str(path), str(path)]
        for name in sorted(ETC_FILES):
            argv += ["--ro-bind", str(self.etc / name), f"/etc/{name}"]
        for name in HOST_ETC:
            argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        for folder in (self.run, self.work, self.sockets):
            if folder is not None:
                argv += ["--bind", str(folder), str(folder)]
        # bwrap builds / and /dev on writable tmpfs; the remount is not recursive,
        # so /tmp, /dev/shm and the two folders stay writable
        argv += ["--remount-ro", "/dev", "--remount-ro", "/"]
        argv += ["--clearenv", "--chdir", str(self.work)]
        for key, value in sorted(self.env.items()):
            argv += ["--setenv", key, value]
        if self.info_fd is not None:
            argv += ["--info-fd", str(self.info_fd)]
        return [*argv, "--", *command]


def inside_env(extra: dict[str, str]) -> dict[str, str]:
    """A sandboxed kernel's whole environment: nothing of the grader's but ``extra``."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp",
        "USER": "student",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "IPYTHONDIR": "/tmp/.ipython",  # a fresh profile: no startup files but its own
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JPY_PARENT_PID": "1",  # its parent is the sandbox's PID 1: ipykernel polls none
        **extra,
    }


def in_cgroup(command: list[str], cgroup: TaskCgroup | None) -> list[str]:
    """``command`` started inside ``cgroup``: a shell joins it, then becomes the command.

    The group must be joined from outside and before the command starts, so
    that everything it forks is counted; the shell keeps its pid through
    ``exec``, so the manager still knows the kernel's process.
    """
    if cgroup is None:
        return command
    join = 'echo $$ > "$0" && exec "$@"'
    return ["/bin/sh", "-c", join, str(cgroup.path / "cgroup.procs"), *command]


def _copy_data(source: Path, target: Path) -> None:
    """Copy a notebook folder's data files (no notebooks; links stay links) into ``target``."""
    ignore = shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints", "__pycache__")
    shutil.copytree(source, target, symlinks=True, ignore=ignore, dirs_exist_ok=True)


def _socket_folder(box: Path) -> Path:
    """Where a sandbox's ipc sockets go: its run folder, or a short one where that is too deep."""
    if len(str(box / "run" / "ipc-00")) <= SOCKET_PATH_MAX:
        return box / "run"
    folder = Path(tempfile.mkdtemp(prefix="netcourse-ipc-", dir="/tmp"))
    (box / SOCKETS_FILE).write_text(str(folder))
    return folder


def _remove_box(box: Path) -> None:
    """Kill what is left in a sandbox's control group, remove the group and the folders."""
    with contextlib.suppress(OSError):
        TaskCgroup(Path((box / CGROUP_FILE).read_text())).remove()
    with contextlib.suppress(OSError):
        shutil.rmtree((box / SOCKETS_FILE).read_text(), ignore_errors=True)
    shutil.rmtree(box, ignore_errors=True)


def sweep(root: Path) -> int:
    """Remove what the sandboxes under ``root`` left when their manager died; return how many."""
    boxes = sorted(root.glob("kernel-*")) if root.is_dir() else []
    for box in boxes:
        _remove_box(box)
    return len(boxes)


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager for grading: a sandbox (or a plain process), a control group, no restarts.

    Every kernel gets a folder of its own under ``root`` and works in a copy of
    the notebook folder's data files, so nothing it writes lands where nbgrader
    reads; a root grader puts it in a pids control group capped at
    ``limits["tasks"]``. With ``sandbox`` it runs in bubblewrap, as the module
    docstring says.
    """

    sandbox = Bool(True, config=True, help="Run each kernel in a bubblewrap sandbox.")
    root = Unicode("", config=True, help="Folder for the kernels' own folders.")
    limits = Dict(config=True, help="KernelLimits fields; tasks caps the control group.")
    tmp_bytes = Integer(256 * MIB, config=True, help="Size of a sandbox's private /tmp.")
    shm_bytes = Integer(64 * MIB, config=True, help="Size of a sandbox's /dev/shm.")
    passthrough = List(list(PASSTHROUGH), config=True, help="Variables a sandbox is given.")
    reap_timeout = Float(10.0, config=True, help="Seconds to wait for every process to end.")

    _box: Path | None = None
    _sandbox: Sandbox | None = None
    _cgroup: TaskCgroup | None = None
    _info: tuple[int, int] | None = None  # bwrap's info pipe: (read end, write end)
    _pidfd: int | None = None
    sandbox_pid: int | None = None  # the sandbox's PID 1, as seen outside

    async def _async_pre_start_kernel(self, **kw):
        """Make the kernel's folder and its control group (and, sandboxed, switch to ipc)."""
        root = Path(self.root or Path(tempfile.gettempdir()) / "netcourse-kernels")
        root.mkdir(parents=True, exist_ok=True)
        self._box = box = Path(tempfile.mkdtemp(prefix="kernel-", dir=root))
        if kw.get("cwd"):
            if box.resolve().is_relative_to(Path(kw["cwd"]).resolve()):
                raise ValueError(f"the kernels' folder {root} must not lie inside {kw['cwd']}")
            _copy_data(Path(kw["cwd"]), box / "work")
        (box / "work").mkdir(exist_ok=True)
        kw["cwd"] = str(box / "work")
        self._cgroup = TaskCgroup.create(
            f"{cgroup_prefix()}-{uuid.uuid4().hex[:12]}", KernelLimits(**self.limits).tasks
        )
        if self._cgroup is not None:
            (box / CGROUP_FILE).write_text(str(self._cgroup.path))
        if self.sandbox:
            self._prepare_sandbox(box, kw)
        return await super()._async_pre_start_kernel(**kw)

    def _prepare_sandbox(self, box: Path, kw: dict) -> None:
        for name in ("run", "etc"):
            (box / name).mkdir()
        for name, text in ETC_FILES.items():
            (box / "etc" / name).write_text(text, encoding="utf-8")
        sockets = _socket_folder(box)
        self.transport, self.cache_ports = "ipc", False
        self.connection_file = str(box / "run" / "kernel.json")
        self.ip = str(sockets / "ipc")
        if self.kernel_spec is not None:
            # a signal to bwrap's process group would end the sandbox, not interrupt it
            self.kernel_spec.interrupt_mode = "message"
        source = kw.get("env") or os.environ
        env = {name: source[name] for name in self.passthrough if name in source}
        env.update(self.kernel_spec.env if self.kernel_spec else {})
        self._info = os.pipe()
        kw["pass_fds"] = (*kw.get("pass_fds", ()), self._info[1])
        kw["stdin"] = subprocess.DEVNULL
        # its own log: the worker's holds other students' nbgrader logs
        kw["stdout"] = kw["stderr"] = open(box / "kernel.log", "ab")  # noqa: SIM115
        self._sandbox = Sandbox(
            work=box / "work",
            run=box / "run",
            etc=box / "etc",
            sockets=sockets if sockets != box / "run" else None,
            env=inside_env(env),
            tmp_bytes=self.tmp_bytes,
            shm_bytes=self.shm_bytes,
            info_fd=self._info[1],
        )

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernelspec's command, in the sandbox and the control group."""
        command = super().format_kernel_cmd(extra_arguments)
        if self._sandbox is not None:
            command = self._sandbox.argv(command)
        return in_cgroup(command, self._cgroup)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        """Launch; sandboxed, learn the sandbox's PID 1 from bwrap and hold a pidfd on it."""
        if self._info is None:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        read_end, write_end = self._info
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            kw["stdout"].close()
            os.close(write_end)
        data = b""
        while select.select([read_end], [], [], 10)[0] and (chunk := os.read(read_end, 4096)):
            data += chunk
        os.close(read_end)
        self._info = None
        if not data:
            raise RuntimeError(f"bwrap did not start: see {self._box / 'kernel.log'}")
        self.sandbox_pid = json.loads(data)["child-pid"]
        self._pidfd = os.pidfd_open(self.sandbox_pid)

    def sandbox_ended(self, timeout: float = 0.0) -> bool:
        """Whether every process of the kernel has ended, waiting up to ``timeout`` seconds.

        A sandbox's PID 1 ends (its pidfd turns readable) only after Linux has
        killed and reaped every other process of its PID namespace; the control
        group, where there is one, must be empty as well.
        """
        deadline = time.monotonic() + timeout
        if self._pidfd is not None and not select.select([self._pidfd], [], [], timeout)[0]:
            return False
        while self._cgroup is not None and self._cgroup.pids():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        """Clean up as usual, then make sure nothing of the kernel is left, and remove it all."""
        await super()._async_cleanup_resources(restart)
        if restart or self._box is None:
            return
        ended = self.sandbox_ended(self.reap_timeout) if self.sandbox else True
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        if self._cgroup is not None:
            self._cgroup.remove()  # kills whatever is left
            self._cgroup = None
        _remove_box(self._box)
        self._box = None
        if not ended:
            raise RuntimeError(f"the sandbox {self.sandbox_pid} outlived its kernel")

    # AsyncKernelManager binds these public names to KernelManager's functions,
    # so an override of the _async_ function alone is missed by their callers
    # (nbclient calls cleanup_resources() itself after a kernel died).
    pre_start_kernel = _async_pre_start_kernel
    _launch_kernel = _async_launch_kernel
    cleanup_resources = _async_cleanup_resources
