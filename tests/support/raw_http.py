"""Hand-made HTTP/1.1 requests over a plain socket, for requests no client library would send."""

from __future__ import annotations

import socket


def exchange(port: int, request: bytes, *, timeout: float = 5.0, half_close: bool = False) -> tuple[int, bytes]:
    """Send `request` to 127.0.0.1:port and read the reply until the server closes: (status, body).

    Status 0 means no status line came back (the server closed without replying)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may refuse before reading everything; its reply is still there
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except OSError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0
    return status, body


def post(path: str, content_type: bytes, body: bytes, *, extra: bytes = b"", length: int | None = None) -> bytes:
    """A POST request with `Connection: close`; `length` overrides the Content-Length."""
    size = len(body) if length is None else length
    return (
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: " + content_type + b"\r\n" + extra + b"Content-Length: %d\r\n\r\n" % size + body
    )


def part(
    name: bytes, data: bytes, *, filename: bytes | None = None, headers: bytes = b"", boundary: bytes = b"B"
) -> bytes:
    """One multipart/form-data part, its boundary line first."""
    disposition = b'form-data; name="' + name + b'"'
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n" + headers + b"\r\n" + data + b"\r\n"


def multipart(*parts: bytes, boundary: bytes = b"B") -> bytes:
    return b"".join(parts) + b"--" + boundary + b"--\r\n"
