"""The kernel ``netcourse grade`` runs submissions in: limits, a fork budget, no wedges.

The grader installs a kernelspec named ``python3`` (the name the notebooks ask
for) in each worker's private Jupyter data folder, whose command is
``python -m netcourse.grading.kernel -f {connection_file}``; the worker's
kernel manager starts it in a sandbox of its own (sandbox.py). Before student
code runs, this module sets the resource limits it is handed and starts an
IPython kernel that keeps an honest mistake from costing the whole notebook:
``os._exit()`` and a thread-patching ``gevent.monkey.patch_all()`` become
errors in their cell, a fork loop runs out of its budget, and ``nc`` is bound
to the course package again before every cell. None of this holds against a
student who sets out to defeat it: that is the sandbox's job (and, for what a
student can forge in their own kernel, the review flags; see review.py).
"""

from __future__ import annotations

import errno
import inspect
import json
import os
import subprocess
import sys

from ipykernel.ipkernel import IPythonKernel

import netcourse

from ..tools.notebook import register_magics
from .limits import LIMITS_VARIABLE, KernelLimits, apply, tasks_of_user


class GradingKernel(IPythonKernel):
    """An IPython kernel armed against losing the notebook to an accident (see the docstring)."""

    limits = KernelLimits()  # set before launch
    _pid = 0

    def _arm(self) -> None:
        """After the app's own start-up, before the first cell."""
        self._pid = os.getpid()
        refuse_kernel_wedges(self._pid)
        limit_forks(self.limits.forks, self._pid)
        register_magics()  # netcourse was imported before this shell existed

    async def do_execute(self, code, silent, *args, **kwargs):
        if not self._pid:
            self._arm()
        self.shell.user_ns["nc"] = netcourse  # a variable a student named nc breaks no check
        try:
            return await super().do_execute(code, silent, *args, **kwargs)
        finally:
            if os.getpid() != self._pid:
                # A process the cell forked ran off the end of the cell: it must not
                # go on acting as a second kernel on the same connections.
                os._exit(0)


def refuse_kernel_wedges(kernel_pid: int) -> None:
    """Turn two ways of losing the whole kernel into ordinary errors in the cell.

    ``os._exit`` in the kernel process ends grading of every later cell, and
    ``gevent.monkey.patch_all()`` with thread patching wedges an ipykernel.
    Children (forked pool workers) keep the real ``os._exit``.
    """
    real_exit = os._exit

    def _exit(status: int) -> None:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if os.getpid() != kernel_pid or caller.startswith("ipykernel."):
            real_exit(status)  # forked children, and the kernel's own exit when orphaned
        raise SystemExit(f"os._exit({status}) is refused while grading: the kernel must live on")

    os._exit = _exit
    if os.name == "posix":
        import posix

        posix._exit = _exit
    try:
        from gevent import monkey
    except ImportError:
        return
    real_patch_all = monkey.patch_all
    signature = inspect.signature(real_patch_all)

    def patch_all(*args, **kwargs):
        if signature.bind(*args, **kwargs).arguments.get("thread", True):
            raise RuntimeError(
                "gevent.monkey.patch_all() wedges a Jupyter kernel; in a notebook use "
                "patch_all(thread=False), or run fully patched programs as scripts"
            )
        return real_patch_all(*args, **kwargs)

    monkey.patch_all = patch_all


def limit_forks(budget: int, kernel_pid: int) -> None:
    """Share one budget of new processes between the kernel and everything it forks.

    The budget is a pipe holding one byte per process; every fork takes a byte,
    and children inherit the pipe, so a fork loop anywhere in the tree runs
    dry: the kernel gets an OSError (EAGAIN, as from the process limit), a
    forked child simply ends. Programs started with exec (subprocess) are
    outside it: the process limit or the pids control group holds those.
    """
    if os.name != "posix":
        return
    import _posixsubprocess
    import posix

    real_exit = os._exit
    tokens, refill = os.pipe()
    os.set_blocking(tokens, False)
    os.write(refill, b"." * budget)
    os.close(refill)

    def take() -> None:
        try:
            if os.read(tokens, 1):
                return
        except OSError:
            pass
        if os.getpid() != kernel_pid:
            real_exit(1)
        raise OSError(
            errno.EAGAIN,
            f"this kernel has started the {budget} processes it may start while being graded",
        )

    def guarded(real):
        def start(*args, **kwargs):
            take()
            return real(*args, **kwargs)

        return start

    os.fork = posix.fork = guarded(os.fork)
    _posixsubprocess.fork_exec = guarded(_posixsubprocess.fork_exec)
    if getattr(subprocess, "_fork_exec", None) is not None:  # bound at import since 3.11
        subprocess._fork_exec = _posixsubprocess.fork_exec
    if hasattr(os, "posix_spawn"):
        os.posix_spawn = posix.posix_spawn = guarded(os.posix_spawn)
        os.posix_spawnp = posix.posix_spawnp = guarded(os.posix_spawnp)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    limits = KernelLimits(**json.loads(os.environ.pop(LIMITS_VARIABLE, "{}")))
    apply(limits, tasks_of_user(os.getuid()) if hasattr(os, "getuid") else 0)
    GradingKernel.limits = limits
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=argv, kernel_class=GradingKernel)


if __name__ == "__main__":
    main()
