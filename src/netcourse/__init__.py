"""Sockets to Coroutines: the helper package every course notebook imports as ``nc``.

    import netcourse as nc

It holds the environment check (``nc.doctor()``), the checks behind the test
cells (``nc.checks``), and the ``%%demo`` cell magic that skips long or
blocking demonstrations while nbgrader grades or validates a notebook.
Modules for single topics (``nc.pcap``, ``nc.packets``, ``nc.widgets``,
``nc.localnet``) are imported on first use, so ``import netcourse`` stays fast.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

from . import checks
from .envcheck import doctor
from .notebook import is_grading, register_magics

try:
    __version__ = version("netcourse")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "checks", "doctor", "is_grading"]
_LAZY_MODULES = frozenset({"localnet", "packets", "pcap", "widgets"})


def __getattr__(name: str) -> ModuleType:
    """Import a topic module (``nc.pcap``, ``nc.widgets``, ...) the first time it is used."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


register_magics()
