"""Your servers from notebooks 02 to 06, for notebook 07's comparison.

Paste each server you wrote here, with the imports it uses, and list it in
notebook 07's last experiment as "my_servers:function" with its kind. A
server defined in a notebook cell cannot be loaded by another process; one
in this file can.
"""

import socket
import threading


def echo(conn: socket.socket) -> None:
    """Echo one client until it closes its side, then close the connection."""
    with conn:
        try:
            while data := conn.recv(65536):
                conn.sendall(data)
        except ConnectionError:
            pass


def serve_threads(listener: socket.socket, stop: threading.Event) -> None:
    """An example to replace with your own: a thread per connection (kind "threads")."""
    while True:
        conn, _ = listener.accept()
        if stop.is_set():
            conn.close()
            return
        threading.Thread(target=echo, args=(conn,), daemon=True).start()
