"""`Receiver`: verify, parse, deduplicate, call your function, answer what the service expects.

Every framework adapter is a few lines that turn the framework's request into a CallbackRequest
and the CallbackResponse back into the framework's response.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Literal

from attrs import frozen

from smsc._exceptions import InvalidRequest
from smsc.callbacks._dedup import EventStore, MemoryStore
from smsc.callbacks._errors import CallbackError, CallbackRejected
from smsc.callbacks._events import CallbackEvent
from smsc.callbacks._parse import parse
from smsc.callbacks._request import CallbackRequest
from smsc.callbacks._verify import Verifier

logger = logging.getLogger("smsc.callbacks")

Handler = Callable[[CallbackEvent], object]
"""Your function, called once per new event; when it raises, the answer is HTTP 500 and the service calls again."""
DEFAULT_MAX_BODY = 64 * 1024


@frozen
class CallbackResponse:
    """What to answer: `OK` with 200 once the event was handled (or was a repeat), an error status
    otherwise so that the service calls again (400 malformed, 403 refused, 500 your function raised)."""

    status: int
    body: str
    event: CallbackEvent | None = None
    duplicate: bool = False
    content_type: str = "text/plain; charset=utf-8"

    @property
    def ok(self) -> bool:
        return self.status == 200


OK = "OK"


class Receiver:
    """Handles callback requests with your function `on_event(event)` (a plain function, or a
    coroutine function for the async adapters).

        receiver = Receiver(on_event, verifier=Verifier(secret="...", algorithm="md5"))

    Args:
        on_event: called once per event; when it raises, the answer is HTTP 500 and the event is
            forgotten by the store, so the service's next attempt calls it again.
        verifier: a Verifier, or None to accept unsigned requests from anywhere (say so explicitly).
        store: where handled event keys are kept: a MemoryStore by default, an SqliteStore, your
            own EventStore, or None to call `on_event` for repeats too.
        charset: read every request in this charset instead of the handler URL's `charset=`.
        max_body: the largest body accepted, in bytes (larger: 413, nothing read).
    """

    def __init__(
        self,
        on_event: Handler,
        *,
        verifier: Verifier | None,
        store: EventStore | Literal["memory"] | None = "memory",
        charset: str | None = None,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.on_event = on_event
        self.verifier = verifier
        if isinstance(store, str) and store != "memory":
            raise InvalidRequest(f"store must be an EventStore, 'memory' or None, not {store!r}")
        self.store: EventStore | None = MemoryStore() if isinstance(store, str) else store
        self.charset = charset
        self.max_body = max_body

    def read(self, request: CallbackRequest) -> CallbackResponse | CallbackEvent:
        """The request's event, or the answer to give at once (refused, malformed, repeat)."""
        if request.method not in ("GET", "POST"):
            return CallbackResponse(405, "method not allowed")
        if len(request.body) > self.max_body:
            return CallbackResponse(413, "request too large")
        try:
            event = parse(request, verifier=self.verifier, charset=self.charset)
        except CallbackRejected as exc:
            logger.warning("smsc callback from %s rejected: %s", request.remote, exc.reason)
            return CallbackResponse(403, "forbidden")
        except CallbackError as exc:
            logger.warning("smsc callback from %s malformed: %s", request.remote, exc)
            return CallbackResponse(400, "bad request")
        if self.store is not None and not self.store.claim(event.key):
            logger.debug("smsc callback %s repeated: already handled", event.key)
            return CallbackResponse(200, OK, event, duplicate=True)
        return event

    def handle(self, request: CallbackRequest) -> CallbackResponse:
        """Answer a request, calling `on_event` (a plain function) for a new event."""
        read = self.read(request)
        if isinstance(read, CallbackResponse):
            return read
        try:
            result = self.on_event(read)
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                raise TypeError("on_event is a coroutine function: use an async adapter (ASGI, aiohttp, FastAPI)")
        except Exception:
            return self._failed(read)
        return CallbackResponse(200, OK, read)

    async def handle_async(self, request: CallbackRequest) -> CallbackResponse:
        """Answer a request; a coroutine `on_event` is awaited, a plain one runs in a worker thread."""
        read = self.read(request)
        if isinstance(read, CallbackResponse):
            return read
        try:
            if inspect.iscoroutinefunction(self.on_event):
                await self.on_event(read)
            else:
                result = await asyncio.to_thread(self.on_event, read)
                if inspect.isawaitable(result):
                    await result
        except Exception:
            return self._failed(read)
        return CallbackResponse(200, OK, read)

    def _failed(self, event: CallbackEvent) -> CallbackResponse:
        logger.exception("smsc callback handler failed for %s; the service will call again", event.key)
        if self.store is not None:
            self.store.release(event.key)
        return CallbackResponse(500, "handler failed")

    def __repr__(self) -> str:
        return f"Receiver({getattr(self.on_event, '__qualname__', self.on_event)!r}, verifier={self.verifier!r})"
