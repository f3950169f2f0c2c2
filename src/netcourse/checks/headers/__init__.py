"""Checks for notebook 01's header exercises: IPv4 and TCP headers, payloads, checksums.

Each checker feeds the student's parser packets built field by field
(:mod:`.probes`), so an answer is compared with the values the packet was
built from, not with another parser's.
"""

from .checksum import check_internet_checksum
from .parsers import check_parse_ipv4_header, check_parse_tcp_header, check_tcp_payload

__all__ = [
    "check_internet_checksum",
    "check_parse_ipv4_header",
    "check_parse_tcp_header",
    "check_tcp_payload",
]
