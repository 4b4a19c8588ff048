"""The `time` and `tz` parameters of send.php: when a message is due (docs/api-reference.md#send-parameters)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_DDMMYYHHMM = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})")
_DOTTED = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{2}) ([0-9]{2}):([0-9]{2})")
_WINDOW = re.compile(r"([0-9]{1,2})-([0-9]{1,2})")
_UNIX = re.compile(r"0[0-9]{1,11}")
_RELATIVE = re.compile(r"\+[0-9]{1,6}")
_TZ = re.compile(r"[+-]?[0-9]{1,2}")


class BadTime(ValueError):
    """`time` in no documented form (error 5); `tz` out of range raises it too."""


def zone(tz: str | None) -> timezone:
    """The zone of a string `time`: Moscow time shifted by `tz` hours (-12..12)."""
    if tz is None or tz == "":
        return timezone(timedelta(hours=3))
    if not _TZ.fullmatch(tz) or not -12 <= int(tz) <= 12:
        raise BadTime(f"tz {tz!r}")
    return timezone(timedelta(hours=3 + int(tz)))


def due_time(value: str | None, tz: str | None, now: float) -> float:
    """Unix time at which a message sent `now` with this `time` is due; a past time means now."""
    if value is None or value == "" or value == "0":
        return now
    if _UNIX.fullmatch(value):
        return max(now, float(int(value)))
    if _RELATIVE.fullmatch(value):
        return now + 60.0 * int(value[1:])
    local = zone(tz)
    window = _WINDOW.fullmatch(value)
    if window:
        return _next_in_window(int(window[1]), int(window[2]), local, now)
    match = _DDMMYYHHMM.fullmatch(value) or _DOTTED.fullmatch(value)
    if match is None:
        raise BadTime(f"time {value!r}")
    day, month, year, hour, minute = map(int, match.groups())
    try:
        when = datetime(2000 + year, month, day, hour, minute, tzinfo=local)
    except ValueError:
        raise BadTime(f"time {value!r}") from None
    return max(now, when.timestamp())


def _next_in_window(first: int, last: int, local: timezone, now: float) -> float:
    """`h1-h2`: now if the local hour is in [h1, h2) (which may wrap past midnight), else the next h1 o'clock."""
    if not (0 <= first <= 23 and 0 <= last <= 24 and first != last):
        raise BadTime(f"hour window {first}-{last}")
    current = datetime.fromtimestamp(now, local)
    inside = first <= current.hour < last if first < last else (current.hour >= first or current.hour < last)
    if inside:
        return now
    start = current.replace(hour=first, minute=0, second=0, microsecond=0)
    if start <= current:
        start += timedelta(days=1)
    return start.timestamp()
