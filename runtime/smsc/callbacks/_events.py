"""The typed events a callback carries: a status change, an incoming SMS, a confirmation call."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypeAlias

from attrs import field, frozen

from smsc._enums import DeliveryError, MessageStatus
from smsc._types import MessageId


def _ts(at: datetime | None) -> str:
    return "" if at is None else str(int(at.timestamp()))


@frozen(kw_only=True)
class StatusEvent:
    """A sent message changed status (delivered, expired, ...)."""

    id: MessageId
    phone: str
    status: MessageStatus
    error: DeliveryError = DeliveryError.NONE
    at: datetime | None = None
    """When the status changed (Moscow time); None when the call carried no time."""
    cost: Decimal | None = None
    sender: str | None = None
    parts: int | None = None
    """Billed SMS parts (the `cnt` field)."""
    extra: dict[str, str] = field(factory=dict, hash=False)
    """Fields of the call that this class has no attribute for, as received."""

    @property
    def key(self) -> str:
        """Stable identity for deduplication: the same status of the same message at the same time."""
        return f"status:{self.id}:{self.phone}:{int(self.status)}:{_ts(self.at)}"


@frozen(kw_only=True)
class IncomingMessage:
    """A subscriber sent an SMS to one of the account's numbers."""

    id: MessageId
    phone: str
    """The subscriber who sent it."""
    to: str
    """The account's number that received it ('' when the call does not say)."""
    text: str
    at: datetime | None = None
    extra: dict[str, str] = field(factory=dict, hash=False)

    @property
    def key(self) -> str:
        return f"incoming:{self.id}:{self.phone}:{_ts(self.at)}"


@frozen(kw_only=True)
class CallEvent:
    """A subscriber called the number given by "confirm the number with a call" (wait_call.php)."""

    phone: str
    """The subscriber who called: the number now confirmed."""
    to: str
    """The number that was called ('' when the call does not say)."""
    at: datetime | None = None
    extra: dict[str, str] = field(factory=dict, hash=False)

    @property
    def key(self) -> str:
        return f"call:{self.phone}:{self.to}:{_ts(self.at)}"


CallbackEvent: TypeAlias = StatusEvent | IncomingMessage | CallEvent
"""Any event a callback carries."""
