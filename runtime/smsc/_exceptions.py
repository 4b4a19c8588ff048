"""The SDK's exception hierarchy: every error a caller can see is an smsc.SmscError.

The text of every error (str, repr, tracebacks) has the configured secrets masked; attributes
such as `raw` keep what was received, unchanged.
"""

from __future__ import annotations

from smsc._redact import scrub


class SmscError(Exception):
    """Base of every error raised by the SDK."""

    def __str__(self) -> str:
        return scrub(super().__str__())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class InvalidRequest(SmscError, ValueError):
    """A bad argument, found before anything was sent."""


class TransportError(SmscError):
    """The request could not be completed over the network; the cause is chained.

    `status` is the HTTP status when the server answered with one other than 200;
    `maybe_sent` is False only when the request certainly never reached the service
    (the connection could not be made), so that trying again cannot send twice.
    """

    def __init__(self, message: str, *, status: int | None = None, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.maybe_sent = maybe_sent


class ProtocolError(SmscError):
    """A reply that does not parse, or one the client refuses (too large, an unasked content coding,
    a malformed Content-Length); `raw` holds the reply as received (at most the reply limit)."""

    def __init__(self, message: str, *, raw: bytes) -> None:
        super().__init__(f"{message}; raw reply: {_preview(raw)}")
        self.raw = raw


class ApiError(SmscError):
    """The service answered with an error code.

    `code` is the service's number, `description` its text (or the documented one when the
    reply carries none), `message_id` the id of the message the error is about, when the
    reply names one, and `raw` the reply as received.
    """

    retryable = False

    def __init__(self, code: int, description: str, *, message_id: int | str | None = None, raw: bytes = b"") -> None:
        text = f"error {code}: {description}"
        if message_id is not None:
            text += f" (message id {message_id})"
        super().__init__(text)
        self.code = code
        self.description = description
        self.message_id = message_id
        self.raw = raw


def _preview(raw: bytes, limit: int = 200) -> str:
    shown = repr(raw[:limit])
    return shown + (f" ... ({len(raw)} bytes)" if len(raw) > limit else "")
