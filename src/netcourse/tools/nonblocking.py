"""Tools for notebook 03's warm-up: non-blocking sockets on which chosen bytes have arrived.

sock = nc.nonblocking.arrived(b"he", b"llo")            # both pieces wait in the socket
sock = nc.nonblocking.arrived(b"bye", eof=True)         # ... and then the end of the stream
"""

from ..checks.nonblocking import arrived

__all__ = ["arrived"]
