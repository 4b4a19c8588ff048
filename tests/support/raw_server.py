"""A raw TCP server on 127.0.0.1 for hostile-server tests: each connection goes to a handler function."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

Handler = Callable[[socket.socket], None]


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (headers and a Content-Length body) from the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def drip(conn: socket.socket, data: bytes, interval: float, stop_after: float) -> None:
    """Send `data` one byte every `interval` seconds, for at most `stop_after` seconds."""
    end = time.monotonic() + stop_after
    for byte in data:
        if time.monotonic() > end:
            return
        conn.sendall(bytes([byte]))
        time.sleep(interval)


@contextlib.contextmanager
def serve_raw(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> Iterator[int]:
    """Accept connections on a free loopback port and run `handler` on each in a thread; yields the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    stop = threading.Event()
    conns: list[socket.socket] = []

    def run(conn: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            if ssl_context is not None:
                conn = ssl_context.wrap_socket(conn, server_side=True)
            conns.append(conn)
            handler(conn)
        with contextlib.suppress(OSError):
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(30)
            threading.Thread(target=run, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()
