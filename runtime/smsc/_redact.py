"""Secrets out of every text the SDK writes: log records, exception messages and reprs.

Redaction is by value. Every secret the SDK is given (a password, an API key, an SMPP or SMTP
password, the password of a URL's user:pass@) is registered once, with the forms the SDK or a
server echoing a request can put into a text: the plain value, its MD5 (the service accepts it in
place of the password), URL-encoded, base64, JSON-escaped and as it shows in a bytes repr. Any of
these in a message becomes `***` (where it is not part of a longer word: a password "other" leaves
"another" alone), and so does the value of a `psw=` or `apikey=` parameter.

The registry is process-wide (a log record of urllib3 cannot know which client made it) and only
grows; it holds derived strings, never anything that is written out. Values shorter than
MIN_LENGTH characters are masked by parameter name only: masking every "x" of a text would
destroy the message and hide nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_LENGTH = 4
_NAMED = r"(?<![A-Za-z0-9_])(psw|apikey)(=|%3D|\"?\s*:\s*\"?)([^&\s\"',;<]*)"
_MASKED = frozenset({MASK, "%2A%2A%2A", ""})

_lock = threading.Lock()
_known: frozenset[str] = frozenset()
_pattern: re.Pattern[str] = re.compile(_NAMED)


def forms(secret: str) -> set[str]:
    """The spellings of one secret a text may carry."""
    found = {secret, json.dumps(secret)[1:-1]}
    try:
        raw = secret.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: refused before anything is sent, nothing to derive
        return {f for f in found if len(f) >= MIN_LENGTH}
    found |= {quote_plus(secret), quote(secret, safe="")}
    digest = hashlib.md5(raw).hexdigest()
    found |= {digest, digest.upper(), repr(raw)[2:-1]}
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        found.add(encoded.decode("ascii").rstrip("="))
    return {f for f in found if len(f) >= MIN_LENGTH}


def register(*secrets: object) -> None:
    """Mask these values (and their derived forms) in every text the SDK writes from now on."""
    global _known, _pattern
    new = set()
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= MIN_LENGTH:
            new |= forms(secret)
    if not new - _known:
        return
    with _lock:
        known = _known | new
        values = "|".join(re.escape(v) for v in sorted(known, key=len, reverse=True))
        _pattern = re.compile(f"{_NAMED}|(?<![A-Za-z0-9])(?:{values})(?![A-Za-z0-9])")
        _known = frozenset(known)


def scrub(text: str) -> str:
    """The text with every registered secret and every psw=/apikey= value masked."""
    return _pattern.sub(_mask, text)


def _mask(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        if match.group(3) in _MASKED:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{MASK}"
    return MASK


def scrub_all(values: Iterable[str]) -> list[str]:
    return [scrub(v) for v in values]


class RedactingFilter(logging.Filter):
    """Formats a record's message once and masks secrets in it (only for records that are emitted)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        record.msg, record.args = scrub(message), ()
        return True


_FILTER = RedactingFilter()


def guard_logger(name: str) -> None:
    """Install the redacting filter on a logger (idempotent)."""
    target = logging.getLogger(name)
    if _FILTER not in target.filters:
        target.addFilter(_FILTER)


for _name in ("smsc", "smsc.smpp", "urllib3.connectionpool", "urllib3.connection", "urllib3.response"):
    guard_logger(_name)
