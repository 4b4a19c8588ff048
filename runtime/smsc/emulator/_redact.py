"""Secrets out of the emulator's logs: its own, aiohttp's, aiosmtpd's and the SMPP session's.

`SecretFilter` rewrites every record of the loggers it guards (message, arguments and traceback):
the accounts' passwords, their MD5s and the API keys, by value in every spelling the client's own
redaction knows (plain, URL-encoded, JSON-escaped, base64, MD5); `psw=` / `apikey=` /
`password=` parameters whatever their value; the password field of an e-mail letter body; the raw
bytes of an SMPP bind that did not decode.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from smsc._redact import forms  # the spellings the client masks: plain, URL-encoded, JSON, base64, MD5

MASK = "***"
GUARDED = (
    "aiohttp.server",
    "aiohttp.access",
    "aiohttp.web",
    "aiohttp.internal",
    "mail.log",
    "smsc.emulator",
    "smsc.emulator.http",
    "smsc.emulator.smpp",
    "smsc.emulator.smtp",
    "smsc.smpp",
)
_PARAMS = re.compile(r"(?i)((?:^|[?&;\s'\"(])(?:psw|apikey|password)=)[^&\s'\"]*")
_LETTER = re.compile(r"(?m)((?:^|b['\"]|\s)[^:\s'\"\\]*:)[^:\s'\"\\]+(?=:)")
_BYTES = re.compile(r"""b'(?:[^'\\]|\\.)*'|b"(?:[^"\\]|\\.)*\"""")


def scrub(text: str, values: Iterable[str], *, letter: bool = False, smpp: bool = False) -> str:
    """`text` with the secret values, secret parameters (and letter or SMPP bind fields) masked."""
    for value in sorted(values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    text = _PARAMS.sub(rf"\1{MASK}", text)
    if letter:
        text = _LETTER.sub(rf"\1{MASK}", text)
    if smpp and "bind" in text:
        text = _BYTES.sub(f"b'{MASK}'", text)
    return text


def _encodable(text: str) -> str:
    """`text` with lone surrogates (undecodable request bytes) spelled `\\udcff`: any UTF-8 handler writes it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class SecretFilter(logging.Filter):
    """Masks secrets in the records of the guarded loggers; `secrets()` gives the current secret values."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        super().__init__()
        self._secrets = secrets
        self._known: tuple[str, ...] = ()
        self._values: set[str] = set()

    def _current(self) -> set[str]:
        """Every form of every secret, worked out again only when the secrets change."""
        known = tuple(self._secrets())
        if known != self._known:
            values: set[str] = set()
            for secret in known:
                values |= forms(secret)
            self._known, self._values = known, values
        return self._values

    def filter(self, record: logging.LogRecord) -> bool:
        values = self._current()
        letter, smpp = record.name == "mail.log", record.name.startswith(("smsc.smpp", "smsc.emulator.smpp"))
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it itself
            return True
        record.msg = _encodable(scrub(message, values, letter=letter, smpp=smpp))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _encodable(scrub(record.exc_text, values, letter=letter, smpp=smpp))
        return True

    def install(self) -> None:
        for name in GUARDED:
            logging.getLogger(name).addFilter(self)

    def remove(self) -> None:
        for name in GUARDED:
            logging.getLogger(name).removeFilter(self)
