"""The callback handler as a WSGI application (any WSGI server, or mounted under a path).

from smsc.callbacks import Receiver, Verifier
from smsc.callbacks.wsgi import wsgi_app

app = wsgi_app(Receiver(on_event, verifier=Verifier(secret="...")))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from smsc.callbacks._receiver import CallbackResponse, Receiver
from smsc.callbacks._request import CallbackRequest

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed", 413: "Payload Too Large"}


def request_from_environ(environ: dict[str, Any], max_body: int) -> CallbackRequest | None:
    """The CallbackRequest of a WSGI environ; None when the body is larger than max_body."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_body:
        return None
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return CallbackRequest(
        method=environ.get("REQUEST_METHOD", "GET"),
        query=environ.get("QUERY_STRING", ""),
        body=body,
        headers=headers,
        remote=environ.get("REMOTE_ADDR"),
    )


def wsgi_app(receiver: Receiver) -> WsgiApp:
    """A WSGI application answering every request at its mount point with `receiver`."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = request_from_environ(environ, receiver.max_body)
        response = CallbackResponse(413, "request too large") if request is None else receiver.handle(request)
        body = response.body.encode("utf-8")
        status = f"{response.status} {_REASONS.get(response.status, 'Internal Server Error')}"
        start_response(status, [("Content-Type", response.content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app
