"""The machinery every checker shares: results and reports, calls into student code with
deadlines, capturing what student code sends towards stderr, running a server under the
course's contract, and real sockets fed chosen bytes.

The parts test cells use are re-exported by :mod:`netcourse.checks`.
"""
