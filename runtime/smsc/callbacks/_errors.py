"""The errors of callback handling: a malformed request, and one refused by verification."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsc._exceptions import ProtocolError, SmscError, _preview

if TYPE_CHECKING:
    from smsc.callbacks._request import CallbackRequest


class CallbackError(ProtocolError):
    """A callback request that cannot be read as an event; `request` holds it as received.

    `raw` is the request's body (for a GET request, its query string).
    """

    def __init__(self, message: str, *, request: CallbackRequest) -> None:
        raw = request.body if request.body else request.query
        SmscError.__init__(self, f"{message}; raw request: {request.method} {_preview(raw)}")
        self.raw = raw
        self.request = request


class CallbackRejected(CallbackError):
    """A callback refused by verification before it was read: unsigned, a wrong signature, or a
    source address outside the allowed networks. `reason` says which, never with a secret."""

    def __init__(self, reason: str, *, request: CallbackRequest) -> None:
        super().__init__(f"callback rejected: {reason}", request=request)
        self.reason = reason
