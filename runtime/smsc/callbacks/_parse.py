"""`parse`: one callback request in, one typed event out, or an error with the request attached.

Pure: no network, no clock, no state. Verification (when a Verifier is given) runs on the decoded
fields before any of them becomes an event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar
from urllib.parse import parse_qsl

from smsc._codec import Invalid, p_int, p_message_id, p_money, p_msk_date, p_timestamp
from smsc._enums import DeliveryError, MessageStatus
from smsc._types import MessageId
from smsc.callbacks._contract import ALGORITHMS, CHARSET_NAMES, FIELDS, OPTIONS, Kind, codec, kind_of
from smsc.callbacks._errors import CallbackError
from smsc.callbacks._events import CallbackEvent, CallEvent, IncomingMessage, StatusEvent
from smsc.callbacks._request import CallbackRequest
from smsc.callbacks._verify import Verifier

T = TypeVar("T")
_JSON = json.JSONDecoder(parse_float=Decimal)
_XML_DECL = re.compile(r"\s*<\?xml[^>]*\?>")
_NOT_EXTRA = frozenset(OPTIONS) | frozenset(ALGORITHMS)


class _Bad(Exception):
    """A reason the request cannot be read (becomes CallbackError with the request)."""


def parse(request: CallbackRequest, *, verifier: Verifier | None = None, charset: str | None = None) -> CallbackEvent:
    """The event a callback request carries.

    Reads every format the service can send: a form-encoded POST body or a GET query string,
    the XML (`fmt=2`) and JSON (`fmt=3`) bodies, in utf-8, windows-1251 or koi8-r. `charset`
    overrides the handler URL's own `charset=` (then the Content-Type's, then windows-1251).

    Raises:
        smsc.CallbackRejected: `verifier` refused the request (source address, signature).
        smsc.CallbackError: the request is not a well-formed callback; `.request` holds it.
    """
    if verifier is not None:
        verifier.check_source(request)
    try:
        query = _latin_pairs(request.query)  # the URL's options (charset, fmt), and for GET the fields
        options = dict(query)
        fmt = int(options["fmt"]) if options.get("fmt", "").strip() in ("2", "3") else 0
        name = codec(charset or options.get("charset") or request.content_charset, fmt)
        fields = _fields(request, query, name)
        kind = kind_of(fields)
        if kind is None:
            raise _Bad("not a callback event (no status, mes or phone field)")
    except _Bad as exc:
        raise CallbackError(str(exc), request=request) from None
    if verifier is not None:
        verifier.check_signature(kind, fields, request)
    try:
        return _BUILDERS[kind](
            fields, {k: v for k, v in fields.items() if k not in FIELDS[kind] and k not in _NOT_EXTRA}
        )
    except _Bad as exc:
        raise CallbackError(f"{kind} event: {exc}", request=request) from None


def _fields(request: CallbackRequest, query: list[tuple[str, str]], name: str) -> dict[str, str]:
    """Every field of the call, decoded: the query's, then the body's (later values win).

    A signature flag from the handler URL (`md5=1`) is configuration, not a signature: dropped.
    """
    pairs = _form(query, name)
    body = request.body.lstrip()
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if body[:1] == b"{":
        pairs += _json(body, name)
    elif body[:1] == b"<":
        pairs += _xml(body, name)
    elif body:
        pairs += _form(_latin_pairs(body), name)
    fields = {k: v for k, v in pairs if not (k in ALGORITHMS and v == "1")}
    if not fields.keys() - _NOT_EXTRA:
        raise _Bad("empty callback")
    return fields


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode(name)
    except UnicodeDecodeError as exc:
        raise _Bad(f"not {CHARSET_NAMES[name]} ({exc.reason} at byte {exc.start})") from None


def _latin_pairs(raw: bytes) -> list[tuple[str, str]]:
    """`a=1&b=%D0%B0` as pairs whose every character is one byte (Latin-1), to be decoded in the charset."""
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")


def _text(value: str, name: str) -> str:
    # ASCII reads the same in every charset the service uses
    return value if value.isascii() else _decode(value.encode("latin-1"), name)


def _form(pairs: list[tuple[str, str]], name: str) -> list[tuple[str, str]]:
    return [(_text(k, name), _text(v, name)) for k, v in pairs]


def _json(raw: bytes, name: str) -> list[tuple[str, str]]:
    try:
        doc = _JSON.decode(_decode(raw, name))
    except (ValueError, RecursionError, ArithmeticError):  # ArithmeticError: a number Decimal cannot hold
        raise _Bad("malformed JSON body") from None
    if not isinstance(doc, dict):
        raise _Bad("JSON body is not an object")
    pairs = []
    for key, value in doc.items():
        if value is None:
            value = ""
        elif type(value) is int or type(value) is Decimal:
            value = str(value)
        elif type(value) is not str:
            raise _Bad(f"JSON field {key!r:.40} is not a string or number")
        pairs.append((key, value))
    return pairs


def _xml(raw: bytes, name: str) -> list[tuple[str, str]]:
    from xml.etree.ElementTree import ParseError  # only XML bodies pay for the imports

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    text = _XML_DECL.sub("", _decode(raw, name), count=1)
    try:
        root = fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException, RecursionError):
        raise _Bad("malformed XML body") from None
    if len(root) == 0:
        raise _Bad("XML body has no fields")
    pairs = []
    for child in root:
        if len(child):
            raise _Bad(f"XML field {child.tag!r:.40} is not a plain value")
        pairs.append((str(child.tag), child.text or ""))
    return pairs


def _required(fields: dict[str, str], key: str) -> str:
    value = fields.get(key, "")
    if not value:
        raise _Bad(f"no {key} field")
    return value


def _convert(key: str, value: str, codec_: Callable[[str], T]) -> T:
    try:
        return codec_(value)
    except Invalid as exc:
        raise _Bad(f"field {key}: {exc}") from None


def _id(fields: dict[str, str]) -> MessageId:
    return _convert("id", _required(fields, "id"), p_message_id)


def _at(fields: dict[str, str]) -> datetime | None:
    if fields.get("ts"):
        return _convert("ts", fields["ts"], p_timestamp)
    time = fields.get("time", "")
    if time:  # some handlers see `time`: a date, or Unix seconds
        return _convert("time", time, p_timestamp if time.isdigit() else p_msk_date)
    return None


def _optional(fields: dict[str, str], key: str, codec_: Callable[[str], T]) -> T | None:
    value = fields.get(key, "")
    return None if value == "" else _convert(key, value, codec_)


def _status(fields: dict[str, str], extra: dict[str, str]) -> StatusEvent:
    status = _convert("status", _required(fields, "status"), p_int)
    error = _optional(fields, "err", p_int)
    return StatusEvent(
        id=_id(fields),
        phone=_required(fields, "phone"),
        status=MessageStatus(status),
        error=DeliveryError.NONE if error is None else DeliveryError(error),
        at=_at(fields),
        cost=_optional(fields, "cost", p_money),
        sender=fields.get("sender_id"),
        parts=_optional(fields, "cnt", p_int),
        extra=extra,
    )


def _incoming(fields: dict[str, str], extra: dict[str, str]) -> IncomingMessage:
    return IncomingMessage(
        id=_id(fields),
        phone=_required(fields, "phone"),
        to=fields.get("to", ""),
        text=fields["mes"],
        at=_at(fields),
        extra=extra,
    )


def _call(fields: dict[str, str], extra: dict[str, str]) -> CallEvent:
    return CallEvent(phone=fields["phone"], to=fields.get("to", ""), at=_at(fields), extra=extra)


_BUILDERS: dict[Kind, Callable[[dict[str, str], dict[str, str]], CallbackEvent]] = {
    "status": _status,
    "incoming": _incoming,
    "call": _call,
}
