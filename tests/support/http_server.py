"""A tiny HTTP(S) server on 127.0.0.1 for transport tests: canned replies, recorded requests."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from attrs import define, field


@define
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


@define
class Script:
    """What the server answers: status, body and an optional delay, for every request."""

    status: int = 200
    body: bytes = b'{"id": 1, "cnt": 1, "cost": "1.00", "balance": "99.00"}'
    delay: float = 0.0
    headers: dict[str, str] = field(factory=dict)  # more reply headers
    seen: list[Seen] = field(factory=list)


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(length) if length else b""
            script.seen.append(Seen(self.command, self.path, dict(self.headers), body, self.client_address[1]))
            if script.delay:
                time.sleep(script.delay)
            self.send_response(script.status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(script.body)))
            for name, value in script.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(script.body)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (a timeout test) is expected


@contextmanager
def serve(script: Script, ssl_context: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve on a free loopback port; yields the base URL."""
    server = _Server(("127.0.0.1", 0), _handler(script))
    scheme = "http"
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
