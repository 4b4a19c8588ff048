"""The callback handler as a FastAPI router (extra `smsc[fastapi]`).

from smsc.callbacks.fastapi import callback_router

app.include_router(callback_router(Receiver(on_event, verifier=Verifier(secret="...")),
                                   path="/smsc/callback"))
"""

from __future__ import annotations

from fastapi import APIRouter

from smsc.callbacks._receiver import Receiver
from smsc.callbacks.starlette import callback_endpoint


def callback_router(receiver: Receiver, *, path: str = "/smsc/callback") -> APIRouter:
    """A router with the handler at `path` (GET and POST; left out of the OpenAPI schema)."""
    router = APIRouter()
    router.add_api_route(path, callback_endpoint(receiver), methods=["GET", "POST"], include_in_schema=False)
    return router
