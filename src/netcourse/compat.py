"""Standard-library names that newer Pythons have and older ones lack, one spelling for all.

``ShutDown`` is :class:`queue.ShutDown` on Python 3.13 and newer, where
``queue.Queue.shutdown()`` raises it; on 3.11 and 3.12 it is a class of the
course's own, so a queue written for the course raises the same exception on
every version and code that catches ``queue.ShutDown`` on 3.13+ catches it.
"""

from __future__ import annotations

import queue

__all__ = ["ShutDown"]

try:
    ShutDown = queue.ShutDown
except AttributeError:  # Python < 3.13

    class ShutDown(Exception):  # type: ignore[no-redef]
        """Raised by put() or get() on a queue that has been shut down (queue.ShutDown in 3.13+)."""
