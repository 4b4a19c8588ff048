"""client.estimate(): what a message would cost, from the counting rules alone; nothing is sent.

sms_count = parts x recipients (docs/api-reference.md#send-kinds): kinds billed per recipient (HLR, ping,
e-mail, Viber, ...) count one each, binary kinds count octets, every other kind counts the
parts of its text. Arguments are checked by the validators `send` uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from smsc import _params as _p
from smsc._builders import _format_facts
from smsc._enums import Encoding, MessageFormat, Translit
from smsc._exceptions import InvalidRequest
from smsc._models import Estimate
from smsc.text._segments import count_parts
from smsc.text._tables import BINARY_FORMATS, CAPACITY

MAX_PRICE = "1000000000"


class Estimator:
    """Adds estimate() to the client."""

    def estimate(
        self,
        phones: str | Sequence[str],
        message: str,
        *,
        translit: Translit | None = Translit.NONE,
        format: MessageFormat = MessageFormat.SMS,
        max_parts: int | None = None,
        price_per_sms: Decimal | int | str | None = None,
    ) -> Estimate:
        """How many SMS a message would be billed, and the cost at a given price, offline.

        Nothing is sent and nothing is asked of the service; use cost() for the service's own price.
        Groups (`G<id>`) cannot be counted offline and are refused.

        Args:
            phones: Recipients in international format (a list, or one number as a string).
            message: Text of the message, at most 1000 characters.
            translit: Transliteration the service would apply before counting.
            format: Kind of message (smsc.MessageFormat).
            max_parts: Maximum number of parts; a longer text is cut, as `maxsms` does.
            price_per_sms: Price of one SMS (a Decimal, an int or a decimal string, never a float).

        Raises:
            smsc.InvalidRequest: a bad argument."""
        return estimate(
            phones, message, translit=translit, format=format, max_parts=max_parts, price_per_sms=price_per_sms
        )


def estimate(
    phones: str | Sequence[str],
    message: str,
    *,
    translit: Translit | None = Translit.NONE,
    format: MessageFormat = MessageFormat.SMS,
    max_parts: int | None = None,
    price_per_sms: Decimal | int | str | None = None,
) -> Estimate:
    """The estimate of client.estimate(), as a plain function."""
    kind, textless, _ = _format_facts(format)  # raises InvalidRequest for a format that is not a MessageFormat
    recipients = _p.phones(phones, "phones", kind).split(",")
    groups = [r for r in recipients if r.startswith("G")]
    if groups:
        raise InvalidRequest(f"phones: {groups[0]!r} is a contact group; its size is unknown offline")
    _p.message(message, "message", allow_empty=textless)
    if translit is not None:
        _p.enum(translit, Translit, "translit")
    if max_parts is not None:
        _p.integer(max_parts, "max_parts", 1, _p.MAX_MESSAGE)
    price = None if price_per_sms is None else Decimal(_p.decimal(price_per_sms, "price_per_sms", "0", MAX_PRICE))
    encoding, parts = billed_parts(message, format, translit, max_parts)
    sms_count = parts * len(recipients)
    return Estimate(
        sms_count=sms_count,
        parts=parts,
        recipients=len(recipients),
        encoding=encoding,
        cost=None if price is None else price * sms_count,
    )


def billed_parts(
    message: str, format: MessageFormat, translit: Translit | None, max_parts: int | None
) -> tuple[Encoding | None, int]:
    """Billed parts per recipient of one message, and the encoding they were counted in.

    The one routine behind client.estimate(), the emulator's billing and a recovered send's
    sms_count: kinds billed per recipient count 1, binary kinds count octets, text counts parts.
    """
    if format.per_recipient:
        return None, 1
    how = BINARY_FORMATS.get(format)
    if how is None:
        return count_parts(message, translit=translit, max_parts=max_parts)
    octets = _hex_octets(message) if how == "hex" else _utf8_octets(message)
    cap = CAPACITY[Encoding.BINARY]
    parts = 1 if octets <= cap.single else -(-octets // cap.multi)
    return Encoding.BINARY, parts if max_parts is None else min(parts, max_parts)


def _hex_octets(message: str) -> int:
    try:
        return len(bytes.fromhex(message))
    except ValueError:
        raise InvalidRequest("message: a BIN_HEX message is hexadecimal, two digits per octet") from None


def _utf8_octets(message: str) -> int:
    try:
        return len(message.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidRequest(f"message: a lone surrogate at position {exc.start} cannot be sent") from None
