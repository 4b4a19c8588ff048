"""What the emulator's inspection API returns: accounts, messages and their status history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from attrs import field, frozen

from smsc._enums import DeliveryError, MessageFormat, MessageStatus, Translit
from smsc._types import MessageId

DEFAULT_LOGIN = "demo"
DEFAULT_PASSWORD = "demo"
DEFAULT_BALANCE = Decimal("100.00")
DEFAULT_PRICE = Decimal("1.50")
DEFAULT_CURRENCY = "KZT"
DEFAULT_SENDER = "SMSC.KZ"


@frozen(kw_only=True)
class Account:
    """An account of the emulator (the password is never shown)."""

    login: str
    password: str = field(repr=False)
    api_key: str | None = field(default=None, repr=False)
    balance: Decimal = DEFAULT_BALANCE
    price: Decimal = DEFAULT_PRICE
    """Price of one SMS part (of one message for formats billed per recipient)."""
    currency: str = DEFAULT_CURRENCY
    sender: str = DEFAULT_SENDER
    """Sender ID used when a send names none."""
    callback_url: str | None = None
    """Where the service posts status changes and incoming messages (the account setting)."""

    def with_balance(self, balance: Decimal) -> Account:
        """The same account with another balance (what attrs.evolve does, at half its cost: the
        emulator's SMPP listener asks for one per submit)."""
        return Account(
            login=self.login,
            password=self.password,
            api_key=self.api_key,
            balance=balance,
            price=self.price,
            currency=self.currency,
            sender=self.sender,
            callback_url=self.callback_url,
        )


@frozen
class StatusChange:
    """One step of a message's status history."""

    at: datetime
    status: MessageStatus
    error: DeliveryError


@frozen
class StoredFile:
    """A file the emulator received with a message (multipart POST), as stored."""

    name: str
    filename: str
    content_type: str
    data: bytes = field(repr=lambda b: f"<{len(b)} bytes>")


@frozen(kw_only=True)
class Message:
    """A message to one phone as the emulator stored it, with its status as of the emulator's clock."""

    id: MessageId
    login: str
    phone: str
    text: str
    sender: str
    format: MessageFormat
    parts: int
    """Billed units for this phone: SMS parts, or 1 for formats billed per recipient."""
    cost: Decimal
    sent_at: datetime
    due_at: datetime
    """When it leaves the queue (later than sent_at for a scheduled send)."""
    status: MessageStatus
    error: DeliveryError
    history: tuple[StatusChange, ...]
    """Status changes up to now, oldest first."""
    attachments: tuple[StoredFile, ...] = ()
    translit: Translit = Translit.NONE
    """The transliteration the send asked for: the phone shows the text transliterated."""
    max_parts: int | None = None
    """The send's `maxsms`: the phone gets at most this many parts."""


@frozen
class Lifecycle:
    """Seconds from a message's due time until it is handed to the operator, and until it is final."""

    transfer_after: float = 1.0
    final_after: float = 5.0

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.transfer_after <= self.final_after:
            raise ValueError("Lifecycle: need 0 <= transfer_after <= final_after")
