"""`render`: an event as the service (and the emulator) sends it to a handler URL.

The inverse of `parse`: what `render` writes, `parse` reads back as the same event (the
transmitted text in the URL's charset, where a character it lacks becomes `?` in a form body).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

from attrs import field, frozen

from smsc._codec import r_money, r_timestamp
from smsc._exceptions import InvalidRequest
from smsc.callbacks._contract import ALGORITHMS, CHARSET_NAMES, DIGESTS, Algorithm, Kind, codec, signed_text
from smsc.callbacks._events import CallbackEvent, CallEvent, IncomingMessage, StatusEvent
from smsc.callbacks._verify import Formula

_NUMBERS = frozenset({"status", "err", "ts", "cnt"})
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


@frozen(kw_only=True)
class RenderedCallback:
    """A callback ready to send: POST `body` to `url` with `headers`."""

    kind: Kind
    url: str
    headers: dict[str, str]
    body: bytes = field(repr=lambda b: f"<{len(b)} bytes>")
    fields: dict[str, str] = field(repr=False)
    """The fields as transmitted (after the charset's replacements), signature included."""


def url_options(url: str) -> tuple[int, str, Algorithm | None]:
    """The handler URL's `fmt` (0, 2 or 3), charset codec and signature algorithm."""
    options = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    fmt = int(options["fmt"]) if options.get("fmt", "").strip() in ("2", "3") else 0
    algorithm = next((a for a in ALGORITHMS if options.get(a, "").strip() not in ("", "0")), None)
    return fmt, codec(options.get("charset"), fmt), algorithm


def event_fields(event: CallbackEvent) -> tuple[Kind, list[tuple[str, str]]]:
    """The kind of an event and its fields in our contract's order, its extra fields last."""
    pairs: list[tuple[str, str]]
    kind: Kind
    if isinstance(event, StatusEvent):
        kind = "status"
        pairs = [("id", str(event.id)), ("phone", event.phone), ("status", str(int(event.status)))]
        pairs += [("err", str(int(event.error))), ("ts", r_timestamp(event.at))]
        if event.cost is not None:
            pairs.append(("cost", r_money(event.cost)))
        if event.sender is not None:
            pairs.append(("sender_id", event.sender))
        if event.parts is not None:
            pairs.append(("cnt", str(event.parts)))
    elif isinstance(event, IncomingMessage):
        kind = "incoming"
        pairs = [("id", str(event.id)), ("phone", event.phone), ("to", event.to), ("mes", event.text)]
        pairs.append(("ts", r_timestamp(event.at)))
    elif isinstance(event, CallEvent):
        kind = "call"
        pairs = [("phone", event.phone), ("to", event.to), ("ts", r_timestamp(event.at))]
    else:
        raise InvalidRequest(f"not a callback event: {type(event).__name__}")
    known = {k for k, _ in pairs}
    pairs += [(k, v) for k, v in event.extra.items() if k not in known]
    return kind, pairs


def render(
    event: CallbackEvent, url: str, *, secret: str | None = None, formula: Formula = signed_text
) -> RenderedCallback:
    """The request the service sends to `url` for `event`: a form-encoded POST, or the XML or
    JSON body that `fmt=2`/`fmt=3` on the URL ask for, in the URL's charset, signed with `secret`
    when the URL carries `md5=1`, `sha1=1` or `crc32=1`."""
    fmt, name, algorithm = url_options(url)
    kind, pairs = event_fields(event)
    if fmt == 0:  # what the handler will read back: the charset's replacements included
        pairs = [(k, v.encode(name, "replace").decode(name)) for k, v in pairs]
    if algorithm is not None:
        if not secret:
            raise InvalidRequest(f"the handler URL asks for a {algorithm} signature: a secret is needed")
        text = formula(kind, dict(pairs), secret)
        pairs.append((algorithm, DIGESTS[algorithm](text.encode("utf-8"))))
    charset = CHARSET_NAMES[name]
    if fmt == 3:
        body = _json_body(pairs, name)
        content_type = f"application/json; charset={charset}"
    elif fmt == 2:
        body = _xml_body(pairs, name, charset)
        content_type = f"application/xml; charset={charset}"
    else:
        body = urlencode(pairs, encoding=name, errors="replace").encode("ascii")
        content_type = f"application/x-www-form-urlencoded; charset={charset}"
    return RenderedCallback(kind=kind, url=url, headers={"Content-Type": content_type}, body=body, fields=dict(pairs))


def _json_value(key: str, value: str) -> str | int:
    if (key in _NUMBERS or key == "id") and value.isascii() and value.isdigit() and not value.startswith("0"):
        return int(value)
    if key in ("status", "err") and value.startswith("-") and value[1:].isascii() and value[1:].isdigit():
        return int(value)
    return value


def _json_body(pairs: list[tuple[str, str]], name: str) -> bytes:
    doc: Mapping[str, str | int] = {k: _json_value(k, v) for k, v in pairs}
    try:
        return json.dumps(doc, ensure_ascii=False).encode(name)
    except UnicodeEncodeError:  # a character the charset lacks: escaped, so it arrives exactly
        return json.dumps(doc).encode(name)


def _xml_body(pairs: list[tuple[str, str]], name: str, charset: str) -> bytes:
    lines = [f'<?xml version="1.0" encoding="{charset}"?>', "<data>"]
    for key, value in pairs:
        if not _xml_text(value) or not key.isidentifier():
            raise InvalidRequest(f"field {key!r} cannot be written in XML")
        escaped = "".join(_XML_ESCAPES.get(c, c) for c in value)
        lines.append(f"<{key}>{escaped}</{key}>")
    lines.append("</data>")
    return "\n".join(lines).encode(name, "xmlcharrefreplace")


def _xml_text(value: str) -> bool:
    """True when every character is allowed in XML 1.0."""
    return all(
        c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000" for c in value
    )
