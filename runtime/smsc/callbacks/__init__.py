"""Callbacks: the service calls your handler URL for every status change, incoming SMS and
confirmation call; this package turns those requests into verified, deduplicated, typed events.

    from smsc.callbacks import Receiver, Verifier
    from smsc.callbacks.wsgi import wsgi_app          # or .asgi, .django, .flask, .fastapi, .aiohttp

    def on_event(event: smsc.StatusEvent | smsc.IncomingMessage | smsc.CallEvent) -> None:
        ...

    app = wsgi_app(Receiver(on_event, verifier=Verifier(secret="...", algorithm="md5")))

`parse(request)` is the pure function underneath: a CallbackRequest in, an event out.
The service publishes neither its field names nor its signature formula: what this package reads
is our contract (README, "Callbacks"), and `Verifier(formula=...)` takes another.
"""

from __future__ import annotations

from smsc.callbacks._contract import ALGORITHMS, DIGESTS, Algorithm, Kind, signed_text
from smsc.callbacks._dedup import EventStore, MemoryStore, SqliteStore
from smsc.callbacks._errors import CallbackError, CallbackRejected
from smsc.callbacks._events import CallbackEvent, CallEvent, IncomingMessage, StatusEvent
from smsc.callbacks._parse import parse
from smsc.callbacks._receiver import CallbackResponse, Handler, Receiver
from smsc.callbacks._render import RenderedCallback, render
from smsc.callbacks._request import CallbackRequest
from smsc.callbacks._verify import Formula, Verifier

__all__ = [
    "ALGORITHMS",
    "DIGESTS",
    "Algorithm",
    "CallEvent",
    "CallbackError",
    "CallbackEvent",
    "CallbackRejected",
    "CallbackRequest",
    "CallbackResponse",
    "EventStore",
    "Formula",
    "Handler",
    "IncomingMessage",
    "Kind",
    "MemoryStore",
    "Receiver",
    "RenderedCallback",
    "SqliteStore",
    "StatusEvent",
    "Verifier",
    "parse",
    "render",
    "signed_text",
]
