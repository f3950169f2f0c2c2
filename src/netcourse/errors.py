"""Errors the command line reports as one line, without a traceback."""


class UsageError(Exception):
    """Bad input from the person running a command: a missing folder, an unknown name."""
