"""Request parameter encoders: validate a Python argument and give its wire text.

Every check raises smsc.InvalidRequest before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date as _date
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import IntEnum

from smsc._exceptions import InvalidRequest
from smsc._types import MSK, MessageId

MAX_MESSAGE = 1000
MAX_ID = 2147483647
# the documented shapes, shared with the emulator (which checks them as the service does)
_PHONE = re.compile(r"\+?[0-9]{7,15}")
_PHONE_MATCH = _PHONE.fullmatch
_GROUP = re.compile(r"G[0-9]{1,10}")
EMAIL = re.compile(r"[^@\s,;]{1,64}@[^@\s,;]{1,255}")
TELEGRAM = re.compile(r"#[0-9]{1,20}|@?[A-Za-z][A-Za-z0-9_]{4,31}")
PHONE_NOISE = str.maketrans("", "", " -().")
STRING_ID = re.compile(r"[A-Za-z0-9._-]{1,40}")
SENDER_ALNUM = re.compile(r"[A-Za-z0-9 .\-_!&'+@#*()/:?]{1,11}")
SENDER_DIGITS = re.compile(r"[0-9]{1,15}")
_TIME_FORMS = (
    re.compile(r"(?P<d>[0-9]{2})(?P<m>[0-9]{2})(?P<y>[0-9]{2})(?P<H>[0-9]{2})(?P<M>[0-9]{2})"),  # DDMMYYhhmm
    re.compile(r"(?P<d>[0-9]{2})\.(?P<m>[0-9]{2})\.(?P<y>[0-9]{2}) (?P<H>[0-9]{2}):(?P<M>[0-9]{2})"),  # DD.MM.YY hh:mm
)
_HOUR_WINDOW = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")
_UNIX = re.compile(r"0[0-9]{1,11}")
_RELATIVE = re.compile(r"\+[0-9]{1,6}")
_VALID_HHMM = re.compile(r"([0-9]{2}):([0-9]{2})")


def _bad(name: str, problem: str) -> InvalidRequest:
    return InvalidRequest(f"{name}: {problem}")


def _one_recipient(raw: object, name: str, kind: str) -> str:
    if not isinstance(raw, str):
        raise _bad(name, f"each recipient must be a string, got {type(raw).__name__}")
    value = raw.strip()
    if kind == "phone" and _PHONE.fullmatch(value):  # the usual recipient, already compact
        return value
    if kind == "mail":
        if EMAIL.fullmatch(value):
            return value
        raise _bad(name, f"{raw!r} is not an e-mail address")
    if _GROUP.fullmatch(value):
        return value
    compact = value.translate(PHONE_NOISE)
    if _PHONE.fullmatch(compact):
        return compact
    if kind == "telegram" and TELEGRAM.fullmatch(value):
        return value
    raise _bad(name, f"{raw!r} is not a phone number in international format (7 to 15 digits, '+' optional)")


def phones(value: str | Sequence[str], name: str, kind: str = "phone") -> str:
    """A non-empty list of recipients (a single string is one recipient)."""
    if kind == "phone":  # the usual send: one compact number (a list of one, or a string), as _one_recipient gives it
        first = value[0] if type(value) is list and len(value) == 1 else value
        if type(first) is str and _PHONE_MATCH(first):
            return first
    items: Sequence[object] = [value] if isinstance(value, str) else value
    if (
        type(items) is not list
        and type(items) is not tuple
        and (  # the usual ones, without the ABC's check
            isinstance(value, (bytes, bytearray)) or not isinstance(items, Sequence)
        )
    ):
        raise _bad(name, "give a list of phone numbers")
    if not items:
        raise _bad(name, "no recipients")
    out = []
    for item in items:
        if kind == "phone" and type(item) is str and _PHONE_MATCH(item):
            out.append(item)  # what _one_recipient gives for it
            continue
        if isinstance(item, str) and ("," in item or ";" in item):
            raise _bad(name, f"{item!r} holds several recipients: pass them as a list")
        out.append(_one_recipient(item, name, kind))
    return ",".join(out)


def phone(value: str, name: str) -> str:
    """One recipient, as a status query names it."""
    if isinstance(value, str) and ("," in value or ";" in value):
        raise _bad(name, f"{value!r} holds several recipients")
    if isinstance(value, str) and "@" in value:
        return _one_recipient(value, name, "mail")
    return _one_recipient(value, name, "telegram")


def _unicode(value: str, name: str) -> str:
    if value.isascii():  # a flag of the str: nothing to encode, no surrogate possible
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _bad(name, f"not valid Unicode text (a lone surrogate at position {exc.start})") from None
    return value


def message(value: str, name: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _bad(name, f"must be a string, got {type(value).__name__}")
    if not value.isascii():
        _unicode(value, name)
    if not value and not allow_empty:
        raise _bad(name, "is empty")
    if len(value) > MAX_MESSAGE:
        raise _bad(name, f"has {len(value)} characters; the service takes at most {MAX_MESSAGE}")
    return value


def sender(value: str, name: str, kind: str = "phone") -> str:
    """A Sender ID; for e-mail (`kind` "mail") an e-mail address too, as the service documents."""
    if not isinstance(value, str):
        raise _bad(name, f"must be a string, got {type(value).__name__}")
    if value in ("", ".") or SENDER_DIGITS.fullmatch(value) or SENDER_ALNUM.fullmatch(value):
        return value
    if kind == "mail" and EMAIL.fullmatch(value):
        return value
    raise _bad(name, f"{value!r} is not a Sender ID (up to 11 Latin letters, digits and symbols, or up to 15 digits)")


def message_id(value: MessageId, name: str) -> str:
    if type(value) is int and 0 < value <= MAX_ID:  # the usual id (not a bool: its type is bool)
        return str(value)
    if isinstance(value, bool):
        raise _bad(name, "must be an int or a string, not a bool")
    if isinstance(value, int):
        if 1 <= value <= MAX_ID:
            return str(value)
        raise _bad(name, f"{value} is outside 1..{MAX_ID}")
    if isinstance(value, str) and STRING_ID.fullmatch(value) and value != "0":
        return value
    raise _bad(name, f"{value!r} is not an id (1..{MAX_ID}, or up to 40 characters of A-Z a-z 0-9 . - _)")


def integer(value: int, name: str, lo: int, hi: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(name, f"must be an int, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise _bad(name, f"{value} is outside {lo}..{hi}")
    return str(value)


def decimal(value: Decimal | int | str, name: str, lo: str, hi: str) -> str:
    if isinstance(value, (bool, float)):
        raise _bad(name, "give a Decimal, an int or a decimal string")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise _bad(name, f"{value!r} is not a number") from None
    if not number.is_finite() or not Decimal(lo) <= number <= Decimal(hi):
        raise _bad(name, f"{value} is outside {lo}..{hi}")
    return format(number, "f")


def boolean(value: bool, name: str) -> str:
    if not isinstance(value, bool):
        raise _bad(name, f"must be True or False, got {value!r}")
    return "1" if value else "0"


def text(value: str, name: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise _bad(name, f"must be a string, got {type(value).__name__}")
    if not value.isascii():
        _unicode(value, name)
    if len(value) > max_length:
        raise _bad(name, f"has {len(value)} characters; at most {max_length}")
    return value


E = type[IntEnum]


def enum(value: IntEnum, cls: E, name: str) -> str:
    if isinstance(value, cls):
        return str(int(value))
    raise _bad(name, f"{value!r} is not a {cls.__name__} (one of {', '.join(m.name for m in cls)})")


def send_time(value: datetime | timedelta | str | int, name: str) -> str:
    """`time`: an aware datetime (sent as a Unix time), a timedelta (whole minutes) or a documented string."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _bad(name, "a datetime must be timezone-aware (the service would read it as Moscow time)")
        return f"0{int(value.timestamp())}"
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds < 60 or seconds % 60:
            raise _bad(name, "a timedelta must be a whole number of minutes, at least one")
        return f"+{int(seconds // 60)}"
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return "0"
    if not isinstance(value, str):
        raise _bad(name, f"unsupported time value {value!r}")
    if value == "0" or _UNIX.fullmatch(value) or _RELATIVE.fullmatch(value):
        return value
    window = _HOUR_WINDOW.fullmatch(value)
    if window and all(0 <= int(h) <= 24 for h in window.groups()):
        return value
    for form in _TIME_FORMS:
        m = form.fullmatch(value)
        if m:
            try:
                datetime(2000 + int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"]), int(m["M"]), tzinfo=MSK)
            except ValueError:
                raise _bad(name, f"{value!r} is not a valid date") from None
            return value
    raise _bad(name, f"unsupported time {value!r} (DDMMYYhhmm, 'DD.MM.YY hh:mm', 'h1-h2', '0<unix ts>', '+<minutes>')")


def valid(value: int | timedelta | str, name: str) -> str:
    """`valid`: lifetime in whole hours 1..24, or 'hh:mm' from 00:01 to 24:00."""
    if isinstance(value, timedelta):
        minutes, rest = divmod(value.total_seconds(), 60)
        if rest or not 1 <= minutes <= 1440:
            raise _bad(name, "a timedelta must be whole minutes from 1 minute to 24 hours")
        return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"
    if isinstance(value, int) and not isinstance(value, bool):
        return integer(value, name, 1, 24)
    if isinstance(value, str):
        m = _VALID_HHMM.fullmatch(value)
        if m and int(m[2]) < 60 and 1 <= int(m[1]) * 60 + int(m[2]) <= 1440:
            return value
    raise _bad(name, f"unsupported lifetime {value!r} (1..24 hours, or 'hh:mm' from 00:01 to 24:00)")


def status_pairs(value: Sequence[tuple[MessageId, str]], name: str) -> tuple[str, str]:
    """(id, phone) pairs to the `id` and `phone` lists; one pair keeps a trailing comma."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise _bad(name, "give a non-empty list of (id, phone) pairs")
    ids, numbers = [], []
    for pair in value:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise _bad(name, f"{pair!r} is not an (id, phone) pair")
        ids.append(message_id(pair[0], name))
        numbers.append(phone(pair[1], name))
    if len(ids) == 1:
        return ids[0] + ",", numbers[0] + ","
    return ",".join(ids), ",".join(numbers)


def date(value: _date, name: str) -> str:
    """A calendar day as the service writes it, dd.mm.yyyy."""
    if isinstance(value, datetime) or not isinstance(value, _date):
        raise _bad(name, f"give a datetime.date, got {type(value).__name__}")
    return value.strftime("%d.%m.%Y")


def span(start: _date | None, end: _date | None, names: tuple[str, str], max_days: int) -> None:
    """The period from start to end (both already checked dates): not reversed, at most max_days long."""
    if start is None or end is None:
        return
    if end < start:
        raise _bad(names[1], f"{end.isoformat()} is before {names[0]} {start.isoformat()}")
    if (end - start).days > max_days:
        raise _bad(names[1], f"at most {max_days} days after {names[0]} (the service allows six months)")


def one_of(values: dict[str, object]) -> None:
    """Exactly one of these arguments is given (not None)."""
    given = [k for k, v in values.items() if v is not None]
    if len(given) != 1:
        raise InvalidRequest(f"give exactly one of {', '.join(values)} (got {', '.join(given) or 'none'})")


def any_of(values: dict[str, object]) -> None:
    """At least one of these arguments is given (not None)."""
    if all(v is None for v in values.values()):
        raise InvalidRequest(f"give at least one of {', '.join(values)}")


_TEMPLATE_FORMATS = {0: "sms", 1: "flash", 2: "push", 4: "bin", 7: "mms", 8: "mail", 9: "call", 10: "viber"}


def template_format(value: IntEnum, name: str) -> str:
    """The kind of message a template is for, by the service's name (sms, flash, bin, ...)."""
    from smsc._enums import MessageFormat

    if not isinstance(value, MessageFormat) or int(value) not in _TEMPLATE_FORMATS:
        kinds = ", ".join(MessageFormat(k).name for k in _TEMPLATE_FORMATS)
        raise _bad(name, f"{value!r} is not a template kind (one of smsc.MessageFormat {kinds})")
    return _TEMPLATE_FORMATS[int(value)]


def extra(value: object, name: str, reserved: frozenset[str]) -> list[tuple[str, str]]:
    """Parameters not in the spec: a mapping of names to str/int values."""
    if not isinstance(value, dict):
        raise _bad(name, "must be a dict of parameter names to values")
    out = []
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise _bad(name, f"parameter name {key!r} is not a string")
        _unicode(key, name)
        if key in reserved:
            raise _bad(name, f"{key!r} is set by the client; it cannot be given in extra")
        if isinstance(item, bool) or not isinstance(item, (str, int, Decimal)):
            raise _bad(name, f"value of {key!r} must be a str, int or Decimal")
        out.append((key, _unicode(str(item), f"{name}[{key!r}]")))
    return out
