"""The callback handler as an aiohttp handler (extra `smsc[aiohttp]`).

from aiohttp import web
from smsc.callbacks.aiohttp import callback_handler

app = web.Application()
app.router.add_route("*", "/smsc/callback", callback_handler(Receiver(on_event, verifier=Verifier(secret="..."))))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from smsc.callbacks._receiver import CallbackResponse, Receiver
from smsc.callbacks._request import CallbackRequest


def callback_handler(receiver: Receiver) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A handler `async (request) -> response` answering with `receiver`."""

    async def handler(request: web.Request) -> web.Response:
        if (request.content_length or 0) > receiver.max_body:
            response = CallbackResponse(413, "request too large")
        else:
            body = await request.read()
            response = await receiver.handle_async(
                CallbackRequest(
                    method=request.method,
                    query=request.rel_url.raw_query_string,
                    body=body,
                    headers=list(request.headers.items()),
                    remote=request.remote,
                )
            )
        return web.Response(text=response.body, status=response.status, content_type="text/plain")

    return handler
