"""The reference Queue of notebook 05, as taken from the notebook, against CPython's own tests.

CPython tests ``queue.Queue`` with ``BaseQueueTestMixin`` (``Lib/test/test_queue.py``):
the same tests, run on the reference, show that it behaves as the standard
library does, negative timeouts included. A Python installed without its test
suite (some Linux distributions split it off) skips this.
"""

import queue
import types
import unittest

import pytest

from netcourse.compat import ShutDown

from .wrong_queues import Reference

cpython = pytest.importorskip("test.test_queue", reason="this Python has no test suite")


class TestTheReferenceQueueAsCPythonTestsItsOwn(cpython.BaseQueueTestMixin, unittest.TestCase):
    queue = types.SimpleNamespace(
        Queue=Reference, Empty=queue.Empty, Full=queue.Full, ShutDown=ShutDown
    )

    def setUp(self):
        self.type2test = Reference
        super().setUp()
