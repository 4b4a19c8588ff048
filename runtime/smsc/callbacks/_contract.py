"""Our callback contract (README, "Callbacks"), where the service publishes nothing: field names,
the charsets, and the default signed string. One home, used by the parser, the verifier and the
emulator's renderer alike."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Mapping
from typing import Literal, TypeAlias

Kind: TypeAlias = Literal["status", "incoming", "call"]
"""What a callback reports: a message status, an incoming SMS, or a confirmation call."""
Algorithm: TypeAlias = Literal["md5", "sha1", "crc32"]
"""The signature hashes a handler URL can ask for (`md5=1`, `sha1=1`, `crc32=1`)."""

STATUS_FIELDS = ("id", "phone", "status", "err", "ts", "cost", "sender_id", "cnt")
INCOMING_FIELDS = ("id", "phone", "to", "mes", "ts")
CALL_FIELDS = ("phone", "to", "ts")
FIELDS: dict[Kind, tuple[str, ...]] = {"status": STATUS_FIELDS, "incoming": INCOMING_FIELDS, "call": CALL_FIELDS}
ALGORITHMS: tuple[Algorithm, ...] = ("md5", "sha1", "crc32")
"""Every signature hash the package can check."""
OPTIONS = ("charset", "fmt")
"""Parameters of the handler URL itself, never event data."""

DEFAULT_CHARSET = "windows-1251"
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "windows-1251": "cp1251", "cp1251": "cp1251", "koi8-r": "koi8_r"}
CHARSET_NAMES = {"utf-8": "utf-8", "cp1251": "windows-1251", "koi8_r": "koi8-r"}


def codec(charset: str | None, fmt: int) -> str:
    """The Python codec of the handler URL's `charset`: windows-1251 when missing or unknown (as the
    service reads it), and never koi8-r with fmt=2/3, which the service documents as not used then."""
    name = CHARSETS.get((charset or "").strip().lower(), CHARSETS[DEFAULT_CHARSET])
    return CHARSETS[DEFAULT_CHARSET] if name == "koi8_r" and fmt in (2, 3) else name


def signed_text(kind: Kind, fields: Mapping[str, str], secret: str) -> str:
    """The default string a signature is computed over (our contract, not published by the service):

    - status change: `<id>:<phone>:<status>:<secret>`
    - incoming SMS: `<id>:<phone>:<mes>:<secret>`
    - confirmation call: `<phone>:<ts>:<secret>`
    """
    get = fields.get
    if kind == "status":
        return f"{get('id', '')}:{get('phone', '')}:{get('status', '')}:{secret}"
    if kind == "incoming":
        return f"{get('id', '')}:{get('phone', '')}:{get('mes', '')}:{secret}"
    return f"{get('phone', '')}:{get('ts', '')}:{secret}"


def _crc32(data: bytes) -> str:
    return str(zlib.crc32(data))


DIGESTS: dict[Algorithm, Callable[[bytes], str]] = {
    "md5": lambda data: hashlib.md5(data).hexdigest(),
    "sha1": lambda data: hashlib.sha1(data).hexdigest(),
    "crc32": _crc32,
}
"""Signature text -> the value of the `md5`, `sha1` or `crc32` field: lower-case hex for md5 and
sha1, the unsigned decimal CRC-32 (as PHP's crc32() prints it) for crc32."""


def kind_of(fields: Mapping[str, str]) -> Kind | None:
    """Which event a call carries: `mes` makes an incoming SMS, `status` a status change, and a
    `phone` with neither and no `id` a confirmation call; anything else is not an event."""
    if "mes" in fields:
        return "incoming"
    if "status" in fields:
        return "status"
    if "id" not in fields and fields.get("phone"):
        return "call"
    return None
