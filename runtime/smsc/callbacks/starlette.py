"""The callback handler as a Starlette endpoint or route (extra `smsc[fastapi]`).

from starlette.applications import Starlette
from smsc.callbacks.starlette import callback_route

app = Starlette(routes=[callback_route(Receiver(on_event, verifier=Verifier(secret="...")))])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from smsc.callbacks._receiver import CallbackResponse, Receiver
from smsc.callbacks._request import CallbackRequest


async def _body(request: Request, limit: int) -> bytes | None:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def callback_endpoint(receiver: Receiver) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint `async (request) -> response` answering with `receiver`."""

    async def endpoint(request: Request) -> Response:
        body = await _body(request, receiver.max_body)
        if body is None:
            response = CallbackResponse(413, "request too large")
        else:
            response = await receiver.handle_async(
                CallbackRequest(
                    method=request.method,
                    query=request.scope.get("query_string", b""),
                    body=body,
                    headers=list(request.headers.items()),
                    remote=request.client.host if request.client else None,
                )
            )
        return Response(response.body, status_code=response.status, media_type="text/plain")

    return endpoint


def callback_route(receiver: Receiver, path: str = "/smsc/callback") -> Route:
    """A route for Starlette(routes=[...]) with the handler at `path` (GET and POST)."""
    return Route(path, callback_endpoint(receiver), methods=["GET", "POST"])
