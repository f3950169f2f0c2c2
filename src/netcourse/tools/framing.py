"""Tools for notebook 02's framing exercises: sockets fed chosen bytes, and framed messages.

sock = nc.framing.fed(b"he", b"llo")   # its peer sends b"he", then b"llo", then closes
nc.framing.frame(b"hi")                # b"\\x00\\x00\\x00\\x02hi": a length-prefixed message
nc.framing.wire(send_message, b"hi")   # the bytes your send_message puts on the wire
"""

from ..checks.harness.sockets import connected_pair, fed, frame, wire

__all__ = ["connected_pair", "fed", "frame", "wire"]
