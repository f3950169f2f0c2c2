"""Record the course's loopback packet captures (Linux, as root): tcp-echo, tcp-echo-late-close,
udp-echo, http-get.

    sudo .venv/bin/python data/capture_loopback.py [OUTPUT_DIR [SCENARIO ...]]

Each scenario runs a tiny server and client on 127.0.0.1 with an ephemeral
server port, while a raw AF_PACKET socket on the loopback interface records
every frame to or from that port. Frames come as Linux presents loopback
traffic: an Ethernet header with all-zero addresses, then IPv4. The result is
written in the classic pcap format (readable by tcpdump and Wireshark) with
netcourse.pcap. Sequence numbers, ports and timestamps differ on every run.
"""

from __future__ import annotations

import http.server
import socket
import struct
import sys
import threading
import time
from pathlib import Path

from netcourse.tools.pcap import write_pcap

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4  # on loopback each frame is seen leaving and arriving; keep one
SETTLE = 0.3  # seconds to keep listening for the last ACKs after a scenario ends


class LoopbackRecorder:
    """Record the IPv4 TCP/UDP frames on 'lo' that involve one port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.frames: list[tuple[float, bytes]] = []
        self._stop = threading.Event()
        self._raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(ETH_P_ALL))
        self._raw.bind(("lo", 0))
        self._raw.settimeout(0.05)
        self._thread = threading.Thread(target=self._record, daemon=True)

    def _involves_port(self, frame: bytes) -> bool:
        if len(frame) < 14 + 20 + 4 or struct.unpack_from("!H", frame, 12)[0] != 0x0800:
            return False
        ihl = (frame[14] & 0x0F) * 4
        if frame[14 + 9] not in (6, 17):
            return False
        src, dst = struct.unpack_from("!HH", frame, 14 + ihl)
        return self.port in (src, dst)

    def _record(self) -> None:
        while not self._stop.is_set():
            try:
                frame, address = self._raw.recvfrom(65535)
            except TimeoutError:
                continue
            if address[2] != PACKET_OUTGOING and self._involves_port(frame):
                self.frames.append((time.time(), frame))

    def __enter__(self) -> LoopbackRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(SETTLE)
        self._stop.set()
        self._thread.join()
        self._raw.close()


LATE_CLOSE = 0.5  # seconds tcp-echo-late-close's server waits after the client's FIN


def tcp_echo(close_after: float = 0.0) -> list[tuple[float, bytes]]:
    """Handshake, two messages echoed, the client closes first, then the server.

    The server closes as soon as recv() returns b'' or, ``close_after`` seconds later.
    """
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            while data := conn.recv(1024):
                conn.sendall(data)
            time.sleep(close_after)

    with LoopbackRecorder(listener.getsockname()[1]) as recorder:
        server = threading.Thread(target=serve)
        server.start()
        with socket.create_connection(listener.getsockname()) as client:
            for message in (b"hello\n", b"bye\n"):
                client.sendall(message)
                client.recv(1024)
        server.join()
    listener.close()
    return recorder.frames


def udp_echo() -> list[tuple[float, bytes]]:
    """One datagram to an echo server and its reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        with (
            LoopbackRecorder(server.getsockname()[1]) as recorder,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client,
        ):
            client.sendto(b"ping", server.getsockname())
            data, sender = server.recvfrom(1024)
            server.sendto(data, sender)
            client.recvfrom(1024)
    return recorder.frames


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from the course\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def http_get() -> list[tuple[float, bytes]]:
    """An HTTP/1.0 GET to a local http.server: request, response, teardown."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hello)
    with LoopbackRecorder(server.server_address[1]) as recorder:
        thread = threading.Thread(target=server.handle_request)
        thread.start()
        with socket.create_connection(server.server_address) as client:
            client.sendall(b"GET /hello HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            while client.recv(4096):
                pass
        thread.join()
    server.server_close()
    return recorder.frames


def tcp_echo_late_close() -> list[tuple[float, bytes]]:
    """As tcp-echo, but the server closes LATE_CLOSE s after the client: four segments to end."""
    return tcp_echo(close_after=LATE_CLOSE)


SCENARIOS = {
    "tcp-echo": tcp_echo,
    "tcp-echo-late-close": tcp_echo_late_close,
    "udp-echo": udp_echo,
    "http-get": http_get,
}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    wanted = sys.argv[2:] or list(SCENARIOS)  # record only the scenarios named, if any
    for name, scenario in ((name, SCENARIOS[name]) for name in wanted):
        frames = scenario()
        write_pcap(out / f"{name}.pcap", frames)
        print(f"{name}.pcap: {len(frames)} frames")


if __name__ == "__main__":
    main()
