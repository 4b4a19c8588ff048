"""What a bulk run takes and gives: a Message, one BulkResult per message, progress counts."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from attrs import field, frozen

from smsc._exceptions import InvalidRequest, SmscError
from smsc._models import SendResult
from smsc._types import MessageId


@cache
def send_options() -> frozenset[str]:
    """The keyword options of Client.send (from the generated client, so the spec decides)."""
    from smsc._client import Client

    names = inspect.signature(Client.send).parameters
    return frozenset(name for name in names if name not in ("self", "phones", "message", "id"))


def _phones(value: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Sequence) or not all(isinstance(p, str) for p in value):
        raise InvalidRequest("phones: give a phone number or a list of them")
    return tuple(value)


@frozen(init=False)
class Message:
    """One message of a bulk run: its phones, its text, its id (or None: assigned) and send()'s options.

    `smsc.Message(["+77011234567"], "Hello", sender="Shop", translit=smsc.Translit.LATIN)`: the
    options are those of `Client.send`; an unknown option is refused at once. Their values are
    checked when the message is sent, and a bad one fails that message only.
    """

    phones: tuple[str, ...]
    text: str
    id: MessageId | None
    options: Mapping[str, Any] = field(hash=False)

    def __init__(self, phones: str | Sequence[str], text: str, *, id: MessageId | None = None, **options: Any) -> None:
        if not isinstance(text, str):
            raise InvalidRequest(f"text: {type(text).__name__} is not a str")
        unknown = sorted(set(options) - send_options()) if options else None
        if unknown:
            raise InvalidRequest(f"Message: unknown send option(s): {', '.join(unknown)}")
        self.__attrs_init__(_phones(phones), text, id, dict(options))


class NotSent(SmscError):
    """A message of a bulk run that was never sent, because the run stopped (see `reason`)."""

    def __init__(self, reason: SmscError) -> None:
        super().__init__(f"not sent: the run stopped after {reason}")
        self.reason = reason


@frozen(kw_only=True)
class BulkResult:
    """What became of one message: `result` when it was sent (or found sent), else `error`.

    Attributes:
        index: Its place in the input, from 0.
        message: The message as given.
        id: The id it was sent with (assigned before the first attempt); None if never assigned.
        result: The SendResult, when sent; `result.recovered` when found by a lookup after a lost reply.
        error: Why not: an SmscError (smsc.bulk.NotSent when the run stopped first).
    """

    index: int
    message: Message
    id: MessageId | None = None
    result: SendResult | None = None
    error: SmscError | None = None

    @property
    def ok(self) -> bool:
        """True when the message was sent."""
        return self.result is not None


@frozen(kw_only=True)
class BulkProgress:
    """Counts of a bulk run so far (or at its end).

    Attributes:
        queued: Taken from the input and waiting for a worker.
        in_flight: Being sent now (waits for a backoff or the limiter included).
        sent: Sent (recovered ones included).
        failed: Refused or failed (not sent).
        recovered: Sent, and found by a status lookup after a lost reply.
        not_sent: Never tried, because the run stopped.
        parts: SMS counted for the sent messages (parts x recipients).
        cost: Cost of the sent messages, where the replies carry it.
        elapsed: Seconds since the run started.
    """

    queued: int = 0
    in_flight: int = 0
    sent: int = 0
    failed: int = 0
    recovered: int = 0
    not_sent: int = 0
    parts: int = 0
    cost: Decimal = Decimal(0)
    elapsed: float = 0.0

    @property
    def done(self) -> int:
        """Messages with an outcome."""
        return self.sent + self.failed + self.not_sent
