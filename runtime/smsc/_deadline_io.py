"""Socket reads under one wall-clock deadline, so a server dripping bytes cannot stretch a reply.

A socket timeout bounds each read; a server that sends one byte a second never trips it. The
reader here sets, before every read, the socket's timeout to what is left until the deadline, and
raises TimeoutError once it has passed: the whole reply (status line, headers, body) is bounded.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
from collections.abc import Callable
from typing import Any


class DeadlineReader(io.RawIOBase):
    """A raw reader over `source` (a socket's SocketIO) that stops at `deadline()` (time.monotonic)."""

    def __init__(self, source: io.RawIOBase, sock: socket.socket, deadline: Callable[[], float | None]) -> None:
        super().__init__()
        self._source = source
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        until = self._deadline()
        if until is not None:
            left = until - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out (the reply took longer than its deadline)")
            current = self._sock.gettimeout()
            if current is None or current > left:
                self._sock.settimeout(left)
        return self._source.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


class BoundedResponse(http.client.HTTPResponse):
    """http.client's response whose reads end at a deadline: the socket timeout when it began."""

    def __init__(self, sock: socket.socket, debuglevel: int = 0, method: str | None = None, url: str | None = None):
        super().__init__(sock, debuglevel, method, url)
        limit = sock.gettimeout()
        until = None if limit is None else time.monotonic() + limit
        if until is not None and isinstance(self.fp, io.BufferedReader):
            raw = self.fp.detach()  # nothing read yet; detached, so the old buffer never closes it
            self.fp = io.BufferedReader(DeadlineReader(raw, sock, lambda: until))


def bounded_connection(cls: type[Any]) -> type[Any]:
    """A subclass of a urllib3 connection class whose replies are read under one deadline."""
    return type(f"Bounded{cls.__name__}", (cls,), {"response_class": BoundedResponse})
