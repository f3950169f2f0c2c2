"""Sockets to Coroutines: the helper package every course notebook imports as ``nc``.

    import netcourse as nc

Everything a notebook uses is an attribute of ``nc``, imported the first time
it is used, so ``import netcourse`` stays fast:

* ``nc.checks``: the checkers behind the test cells (``nc.checks.echo``, ...);
* ``nc.doctor()``: is this machine ready for the course?
* the tools of single topics: ``nc.pcap``, ``nc.packets``, ``nc.widgets``,
  ``nc.localnet`` (01); ``nc.framing``, ``nc.serving``, ``nc.load``,
  ``nc.sockstates``, ``nc.tcp_sequence``, ``nc.timewait``, ``nc.nagle``
  (02); ``nc.descriptors``, ``nc.timeline``, ``nc.nonblocking``,
  ``nc.multiplexing``, ``nc.reactor`` (03); ``nc.scripts``, ``nc.tasks``,
  ``nc.workloads``, ``nc.who_ran``, ``nc.echo_threads``, ``nc.convoy``,
  ``nc.costs``, ``nc.switching`` (04); ``nc.queuebench``, ``nc.echo_pools``
  (05); ``nc.scheduler``, ``nc.coroutine_servers`` (06); ``nc.hosting``,
  ``nc.bench``, ``nc.contenders``, ``nc.c10k``, ``nc.compute`` (07);
  ``nc.compat`` for names that newer Pythons have and older ones lack;
* the ``%%demo`` cell magic, which skips long or blocking demonstrations while
  nbgrader grades or validates a notebook (``nc.is_grading()`` says when).

The package's own layout: ``checks/`` (the checkers and their ``harness``),
``tools/`` (what notebook cells use), ``course/`` (releasing and opening the
course), ``grading/`` (``netcourse grade``) and ``commands/`` (the command).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from . import checks
from .tools.notebook import is_grading, register_magics

__all__ = ["checks", "doctor", "is_grading"]

# nc.<name> -> the module it stands for, imported on first use
TOOLS = {
    "bench": "netcourse.tools.bench",
    "c10k": "netcourse.tools.c10k",
    "compat": "netcourse.compat",
    "compute": "netcourse.tools.compute",
    "contenders": "netcourse.tools.contenders",
    "convoy": "netcourse.tools.convoy",
    "coroutine_servers": "netcourse.tools.coroutine_servers",
    "costs": "netcourse.tools.costs",
    "descriptors": "netcourse.tools.descriptors",
    "echo_pools": "netcourse.tools.echo_pools",
    "echo_threads": "netcourse.tools.echo_threads",
    "framing": "netcourse.tools.framing",
    "hosting": "netcourse.tools.hosting",
    "load": "netcourse.tools.load",
    "localnet": "netcourse.tools.localnet",
    "multiplexing": "netcourse.tools.multiplexing",
    "nagle": "netcourse.tools.nagle",
    "nonblocking": "netcourse.tools.nonblocking",
    "packets": "netcourse.tools.packets",
    "pcap": "netcourse.tools.pcap",
    "queuebench": "netcourse.tools.queuebench",
    "reactor": "netcourse.tools.reactor",
    "scheduler": "netcourse.tools.scheduler",
    "scripts": "netcourse.tools.scripts",
    "serving": "netcourse.tools.serving",
    "sockstates": "netcourse.tools.sockstates",
    "switching": "netcourse.tools.switching",
    "tasks": "netcourse.tools.tasks",
    "tcp_sequence": "netcourse.tools.tcp_sequence",
    "timeline": "netcourse.tools.timeline",
    "timewait": "netcourse.tools.timewait",
    "who_ran": "netcourse.tools.who_ran",
    "widgets": "netcourse.tools.widgets",
    "workloads": "netcourse.tools.workloads",
}


def doctor() -> Any:
    """Check that this machine can run the course; one verdict per line (``netcourse doctor``)."""
    from .tools.doctor import doctor as run

    return run()


def __getattr__(name: str) -> Any:
    """Import a tool module (``nc.load``, ``nc.widgets``, ...) the first time it is used."""
    if name in TOOLS:
        return importlib.import_module(TOOLS[name])
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("netcourse")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *TOOLS, "__version__"})


if "IPython" in sys.modules:  # in a kernel; plain Python never pays for importing IPython
    register_magics()
