"""SMPP time strings (§7.1.1): absolute `YYMMDDhhmmsstnnp`, to and from aware datetimes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from smsc._types import MSK

_ABSOLUTE = re.compile(r"^(\d{12})(\d)(\d{2})([+-])$")


def format_time(moment: datetime) -> str:
    """An absolute SMPP time: tenths of a second, quarter hours from UTC and their sign."""
    offset = moment.utcoffset()
    quarters = int(offset.total_seconds() // 900) if offset is not None else 0
    return f"{moment:%y%m%d%H%M%S}{moment.microsecond // 100_000}{abs(quarters):02d}{'-' if quarters < 0 else '+'}"


def parse_time(value: str, tz: tzinfo = MSK) -> datetime | None:
    """An aware datetime from an absolute SMPP time; None for "" or a relative time (`...R`).

    A 12-digit time without the offset part (some SMSCs send it) is read in `tz`.
    Raises ValueError for anything else.
    """
    value = value.strip()
    if not value or value.endswith("R"):
        return None
    if len(value) == 12 and value.isdigit():
        return datetime.strptime(value, "%y%m%d%H%M%S").replace(tzinfo=tz)
    match = _ABSOLUTE.match(value)
    if match is None:
        raise ValueError(f"not an SMPP time: {value!r:.40}")
    stamp, tenths, quarters, sign = match.groups()
    minutes = int(quarters) * 15 * (-1 if sign == "-" else 1)
    zone = timezone(timedelta(minutes=minutes))
    return datetime.strptime(stamp, "%y%m%d%H%M%S").replace(microsecond=int(tenths) * 100_000, tzinfo=zone)
