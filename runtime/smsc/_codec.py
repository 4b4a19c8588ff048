"""Wire codecs: one value of a reply field to Python and back (text and JSON forms)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from smsc._params import STRING_ID
from smsc._types import MSK, MessageId


class Invalid(Exception):
    """A field value that its codec cannot convert (becomes smsc.ProtocolError)."""

    def __init__(self, codec: str, value: object) -> None:
        super().__init__(f"invalid {codec} value {value!r:.80}")
        self.codec = codec
        self.value = value


_MONEY = re.compile(r"-?+[0-9]{1,15}+(?:\.[0-9]{1,6}|)")  # possessive: the same strings, no backtracking state
match_money = _MONEY.fullmatch  # bound once: money is parsed on every send reply (generated parsers call it too)
_DATE = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_CENT = Decimal("0.01")
_MAX_TS = 253402300799  # 9999-12-31 23:59:59 UTC


def p_int(v: object) -> int:
    if type(v) is int:
        return v
    if type(v) is str and v.isascii() and 0 < len(v) <= 20:
        digits = v[1:] if v[0] == "-" else v
        if digits.isdigit():
            return int(v)
    raise Invalid("int", v)


def p_str(v: object) -> str:
    if type(v) is str:
        return v
    if type(v) is int or type(v) is Decimal:
        return str(v)
    raise Invalid("str", v)


def p_money(v: object) -> Decimal:
    if type(v) is str and match_money(v):
        return Decimal(v)
    if type(v) is int:
        return Decimal(v)
    if type(v) is Decimal and v.is_finite() and _MONEY.fullmatch(str(v)):
        return v
    raise Invalid("money", v)


def p_message_id(v: object) -> MessageId:
    if type(v) is int and v > 0:
        return v
    if type(v) is str and v.isdigit() and v.isascii() and v[0] != "0" and len(v) <= 40:
        return int(v)
    if type(v) is str and STRING_ID.fullmatch(v):
        if v.isdigit() and v[0] != "0":
            return int(v)
        if v != "0":
            return v
    raise Invalid("message id", v)


def p_id_or_zero(v: object) -> MessageId | None:
    if v == "0" or (type(v) is int and v == 0):
        return None
    return p_message_id(v)


def p_neg_int(v: object) -> int:
    if type(v) is str and len(v) > 1 and v[0] == "-" and v[1:].isascii() and v[1:].isdigit():
        return int(v[1:])
    raise Invalid("negative code", v)


def p_msk_date(v: object) -> datetime | None:
    if v == "" or v == "0":
        return None
    m = _DATE.fullmatch(v) if type(v) is str else None
    if m is None:
        raise Invalid("date", v)
    day, month, year, hour, minute, second = map(int, m.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=MSK)
    except ValueError:
        raise Invalid("date", v) from None


def p_timestamp(v: object) -> datetime | None:
    ts = p_int(v) if type(v) is not int else v
    if ts == 0:
        return None
    if not 0 < ts <= _MAX_TS:
        raise Invalid("timestamp", v)
    return datetime.fromtimestamp(ts, MSK)


def r_int(v: int | None) -> str:
    return "" if v is None else str(int(v))


def r_str(v: str | None) -> str:
    return "" if v is None else v


def r_money(v: Decimal | None) -> str:
    if v is None:
        return ""
    if v.as_tuple().exponent >= -2:  # type: ignore[operator]
        v = v.quantize(_CENT)
    return format(v, "f")


def r_message_id(v: MessageId | None) -> str:
    return "" if v is None else str(v)


def r_id_or_zero(v: MessageId | None) -> str:
    return "0" if v is None else str(v)


def r_neg_int(v: int | None) -> str:
    return "" if v is None else f"-{v}"


def r_msk_date(v: datetime | None) -> str:
    return "" if v is None else v.astimezone(MSK).strftime("%d.%m.%Y %H:%M:%S")


def r_timestamp(v: datetime | None) -> str:
    return "0" if v is None else str(int(v.timestamp()))


def j_timestamp(v: datetime | None) -> int:
    return 0 if v is None else int(v.timestamp())


def j_message_id(v: MessageId | None) -> MessageId | None:
    return v


def j_int(v: int | None) -> int | None:
    return None if v is None else int(v)


def j_str(v: str | None) -> str | None:
    return v


def j_money(v: Decimal | None) -> str | None:
    return None if v is None else r_money(v)


def j_id_or_zero(v: MessageId | None) -> MessageId:
    return 0 if v is None else v


def j_msk_date(v: datetime | None) -> str:
    return r_msk_date(v)
