"""Checks of the `smsc` command's input: a wrong argument is one line on stderr and exit code 2, never a traceback.

Only the standard library is imported here (argparse uses these as option types before any command runs).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, urlsplit

MAX_SECONDS = 86400.0
"""The longest --timeout: a day (larger values overflow the socket layer's timeval)."""

POSITIONAL = {"phones": "PHONES", "message": "TEXT", "pairs": "ID PHONE", "file": "FILE.csv", "command": "COMMAND"}
"""Argument names as the usage line shows them, for the positional arguments."""


def port(text: str) -> int:
    """An argparse type: a TCP port, 0 (a free one) to 65535."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(value)


def seconds(text: str) -> float:
    """An argparse type: a finite number of seconds, more than 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 and at most {MAX_SECONDS:.0f} seconds")
    return value


def message_id(text: str) -> int | str:
    """A message id as given: a number when it is ASCII digits, else the text (the client checks its shape)."""
    return int(text) if text.isascii() and text.isdigit() else text


def label(dest: str) -> str:
    """How the user wrote the argument `dest`: --sender, TEXT, ..."""
    return POSITIONAL.get(dest) or "--" + dest.replace("_", "-")


def undecodable(value: str) -> str | None:
    """Why `value` (from argv or the environment) is not UTF-8 text, or None when it is.

    Python turns bytes that are not UTF-8 into lone surrogates (surrogateescape); they cannot be
    sent, printed or encoded, so they are refused here with the offending bytes named.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        what = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"lone surrogate U+{code:04X}"
        return f"not valid UTF-8 text ({what} at character {exc.start + 1})"
    return None


def first_undecodable(values: Mapping[str, object]) -> str | None:
    """The first argument that is not UTF-8 text, as `--sender: not valid UTF-8 text (...)`; None if all are."""
    for dest, value in values.items():
        items: Iterable[object] = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and (problem := undecodable(item)) is not None:
                return f"{label(dest)}: {problem}"
    return None


def url_problem(url: str) -> str | None:
    """Why `url` cannot be the service's address, or None (the client checks the rest: scheme, host)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is out of range or not a number
    except ValueError as exc:
        return f"{hide_userinfo(url)!r} is not a URL ({exc})"
    if not parts.hostname:
        return f"{hide_userinfo(url)!r} has no host"
    return None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters escaped (\\n), so that a message stays one line."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s]*@")


def hide_userinfo(text: str) -> str:
    """`text` with the `user:password@` of any URL in it shown as `***@`."""
    return _USERINFO.sub(r"\1***@", text)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (as given and URL-encoded) and every URL's user:password shown as ***."""
    forms = {
        form
        for secret in secrets
        if secret
        for form in (
            secret,
            quote(secret, safe="", errors="surrogateescape"),
            quote_plus(secret, errors="surrogateescape"),
        )
    }
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return hide_userinfo(text)
