"""The callback handler as an ASGI application (uvicorn, hypercorn, or mounted in Starlette/FastAPI).

from smsc.callbacks.asgi import asgi_app

app = asgi_app(Receiver(on_event, verifier=Verifier(secret="...")))   # uvicorn module:app
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from smsc.callbacks._receiver import CallbackResponse, Receiver
from smsc.callbacks._request import CallbackRequest

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def asgi_app(receiver: Receiver) -> AsgiApp:
    """An ASGI application answering every HTTP request with `receiver` (lifespan events accepted)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = await _read_body(receive, receiver.max_body)
        if body is None:
            response = CallbackResponse(413, "request too large")
        else:
            client = scope.get("client")
            request = CallbackRequest(
                method=scope["method"],
                query=scope.get("query_string", b""),
                body=body,
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])],
                remote=client[0] if client else None,
            )
            response = await receiver.handle_async(request)
        payload = response.body.encode("utf-8")
        headers = [(b"content-type", response.content_type.encode()), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    return app
