"""Errors of the SMPP transport; every one is an smsc.SmscError."""

from __future__ import annotations

from smsc._api_errors import AuthError
from smsc._exceptions import ApiError, ProtocolError, SmscError, TransportError
from smsc.smpp._constants import CommandStatus


class PduError(ProtocolError):
    """Bytes that are not a valid SMPP PDU.

    `field` names the offending field ("command_length", "command_id", "submit_sm.source_addr",
    "deliver_sm.tlv[0x0424]"); `command_id` and `sequence_number` come from the header when it was
    readable; `status` is the command_status to answer with (in a generic_nack or an error response);
    `fatal` is True when the byte stream cannot be resynchronised (a bad command_length): the
    connection must be dropped. `raw` holds the offending bytes.
    """

    def __init__(
        self,
        message: str,
        *,
        raw: bytes,
        field: str,
        status: int = CommandStatus.ESME_RINVCMDLEN,
        command_id: int | None = None,
        sequence_number: int | None = None,
        fatal: bool = False,
    ) -> None:
        super().__init__(f"{field}: {message}", raw=raw)
        self.field = field
        self.status = status
        self.command_id = command_id
        self.sequence_number = sequence_number
        self.fatal = fatal


class SmppStatusError(ApiError):
    """The peer answered a request with a non-zero command_status.

    `code` is the command_status, `status` the same as a smsc.smpp.CommandStatus (its name, e.g.
    ESME_RTHROTTLED, and how the client handles it), `command` the request's name.
    """

    def __init__(self, code: int, command: str, *, message_id: str | None = None, raw: bytes = b"") -> None:
        status = CommandStatus(code)
        super().__init__(
            code, f"{status.name} ({status.description}) in answer to {command}", message_id=message_id, raw=raw
        )
        self.status = status
        self.command = command
        self.retryable = status.handling in ("backoff", "limited")


class BindError(SmppStatusError):
    """The SMSC refused the bind (any non-zero status of a bind response)."""


class SmppAuthError(BindError, AuthError):
    """The SMSC refused the credentials (ESME_RBINDFAIL, ESME_RINVPASWD, ESME_RINVSYSID): never retried."""


class OutcomeUnknown(SmscError):
    """A request was sent but no answer came (connection lost or response timeout).

    The SMSC may have accepted it: it is never resent silently; resending is the caller's choice,
    and a receipt may still arrive for it. `command` names the request, `sequence_number` its sequence.
    Deliberately not a TransportError: retry machinery (smsc.Client's RetryPolicy) resends transport
    failures, and over SMPP nothing can tell whether this request was taken.
    """

    def __init__(self, message: str, *, command: str = "", sequence_number: int = 0) -> None:
        super().__init__(message)
        self.command = command
        self.sequence_number = sequence_number


class ResponseTimeout(OutcomeUnknown):
    """No response within the response timeout; the outcome of the request is unknown."""


class _NotSent(TransportError):
    """A failure before the request was written: trying again cannot send it twice."""

    def __init__(self, message: str) -> None:
        super().__init__(message, maybe_sent=False)


class WindowTimeout(_NotSent):
    """The window stayed full (or no session was bound) for the whole wait; nothing was sent."""


class BindTimeout(_NotSent):
    """The connection opened but the bind response did not come in time; nothing was sent."""


class SessionClosed(_NotSent):
    """The client is closed, or it gave up reconnecting; nothing was sent."""
