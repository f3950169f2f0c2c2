"""Sockets to Coroutines: the helper package every course notebook imports as ``nc``.

    import netcourse as nc

It holds the environment check (``nc.doctor()``), the checks behind the test
cells (``nc.checks``), and the ``%%demo`` cell magic that skips long or
blocking demonstrations while nbgrader grades or validates a notebook.
"""

from importlib.metadata import PackageNotFoundError, version

from . import checks
from .envcheck import doctor
from .notebook import is_grading, register_magics

try:
    __version__ = version("netcourse")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "checks", "doctor", "is_grading"]

register_magics()
