"""The kernel ``netcourse grade`` runs submissions in: limits, a control group, the guard.

The grader installs a kernelspec named ``python3`` (the name the notebooks ask
for) in each worker's private Jupyter data folder, whose command is
``python -m netcourse.grading.kernel -f {connection_file}``. Before student
code runs, this module reads its session file (then deletes it), joins its
pids control group (root graders on Linux), sets the resource limits, and
starts an IPython kernel whose executions pass through the tamper guard.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ipykernel.ipkernel import IPythonKernel

from ..tools.notebook import register_magics
from .guard import Guard, limit_forks, refuse_kernel_wedges
from .limits import apply, tasks_of_user
from .session import SESSION_VARIABLE, Session


class GuardedKernel(IPythonKernel):
    """An IPython kernel whose every execution is wrapped by the guard."""

    grading_session: Session | None = None  # set before launch (``session`` is taken)
    _guard: Guard | None = None
    _pid = 0

    def _start_guarding(self) -> None:
        """After the app's own start-up, before the first cell: arm the guard."""
        session = self.grading_session
        self._pid = os.getpid()
        refuse_kernel_wedges(self._pid)
        limit_forks(session.limits.forks, self._pid)
        register_magics()  # netcourse was imported before this shell existed
        self._guard = Guard(self.shell, session.key, session.test_cells)

    async def do_execute(self, code, silent, *args, **kwargs):
        if self._guard is None:
            self._start_guarding()
        self._guard.before_cell()
        try:
            return await super().do_execute(code, silent, *args, **kwargs)
        finally:
            if os.getpid() != self._pid:
                # A process the cell forked ran off the end of the cell: it must not
                # go on acting as a second kernel on the same connections.
                os._exit(0)
            self._guard.after_cell(code)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    session = Session.take(Path(os.environ.pop(SESSION_VARIABLE)))
    if session.cgroup:
        (Path(session.cgroup) / "cgroup.procs").write_text(str(os.getpid()))
    apply(session.limits, tasks_of_user(os.getuid()) if hasattr(os, "getuid") else 0)
    GuardedKernel.grading_session = session
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=argv, kernel_class=GuardedKernel)


if __name__ == "__main__":
    main()
