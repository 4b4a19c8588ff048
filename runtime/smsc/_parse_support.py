"""Reply decoding shared by the generated parsers: bytes to text, error detection, XML/JSON records."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from attrs import frozen

from smsc._codec import Invalid
from smsc._exceptions import ApiError, ProtocolError

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

T = TypeVar("T")
Ctx = Mapping[str, Any]
Record = Mapping[str, object]
ErrorMap = Mapping[int, tuple[type[ApiError], str]]

FORMAT_NAMES = ("text (fmt=0)", "comma (fmt=1)", "XML (fmt=2)", "JSON (fmt=3)")
_JSON = json.JSONDecoder(parse_float=Decimal)
# The scanner JSONDecoder.raw_decode() calls, called without raw_decode()'s Python frame (typeshed omits it).
_SCAN: Callable[[str, int], tuple[object, int]] = _JSON.scan_once  # type: ignore[attr-defined]
_JSON_SPACE = " \t\n\r"
_XML_DECL = re.compile(r"\s*<\?xml[^>]*\?>")
_NO_CONTEXT: Ctx = {}


@frozen
class ReplyParser(Generic[T]):
    """The generated parsers of one reply: a fmt=0 line, a fmt=1 line, an XML/JSON record."""

    text: Callable[[str, Ctx], T | None]
    csv: Callable[[str, Ctx], T | None]
    record: Callable[[Record, Ctx], T | None]
    xml_root: str
    xml_optional_root: bool = False


class LazyPattern:
    """A regular expression compiled on first use, so that importing smsc stays fast."""

    __slots__ = ("_compiled", "_source")

    def __init__(self, source: str) -> None:
        self._source = source
        self._compiled: re.Pattern[str] | None = None

    def fullmatch(self, text: str) -> re.Match[str] | None:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._source, re.DOTALL)
        return compiled.fullmatch(text)


def decode(raw: bytes, *, allow_empty: bool = False) -> str:
    """The reply's text: UTF-8 as the SDK asks for, else windows-1251 (what the service writes
    when it ignores `charset=utf-8`: its default charset)."""
    if not raw and not allow_empty:
        raise ProtocolError("empty reply", raw=raw)
    try:
        text = raw.decode()  # UTF-8, strict: the defaults, without an encoding name to look up
    except UnicodeDecodeError as exc:
        try:
            text = raw.decode("cp1251")
        except UnicodeDecodeError:
            raise ProtocolError(
                f"reply is neither UTF-8 ({exc.reason} at byte {exc.start}) nor windows-1251", raw=raw
            ) from None
    return text[1:] if text and text[0] == "\ufeff" else text  # an index compares cheaper than startswith()


def _xml_elements(text: str) -> list[Element] | None:
    from smsc._xml import XmlRefused, parse_xml  # only XML replies pay for the import

    if text.lstrip().startswith("<?xml"):
        text = _XML_DECL.sub("", text, count=1)
    try:
        return list(parse_xml(f"<_>{text}</_>"))  # no DTD, no entity: refused, never expanded
    except XmlRefused:
        return None


def _record(element: Element) -> dict[str, object]:
    return {child.tag: child.text or "" for child in element}


def _is_error_record(rec: Record) -> bool:
    if "error" not in rec and "error_code" not in rec:
        return False  # the common case, without a lookup
    code = rec.get("error_code")
    return (code is not None and code != 0 and code != "0") or ("error" in rec and code is None)


def _raise(error: ReplyParser[Any], rec_or_text: Any, fmt: int, errors: ErrorMap, raw: bytes) -> None:
    parse = (error.text, error.csv, error.record, error.record)[fmt]
    reply = parse(rec_or_text, _NO_CONTEXT)
    if reply is None:
        raise ProtocolError(f"malformed error reply in {FORMAT_NAMES[fmt]}", raw=raw)
    cls, description = errors.get(reply.code, (ApiError, "unknown error"))
    raise cls(reply.code, reply.description or description, message_id=reply.id, raw=raw)


def parse_one(
    raw: bytes, fmt: int, parser: ReplyParser[T], error: ReplyParser[Any], errors: ErrorMap, ctx: Ctx = _NO_CONTEXT
) -> T:
    """Parse a single-record reply, raising the mapped ApiError for an error reply."""
    text = decode(raw)
    value: T | None = None
    try:
        if fmt == 3:
            doc = _load_json(text)
            if isinstance(doc, dict):
                if ("error" in doc or "error_code" in doc) and _is_error_record(doc):  # no call for a usual reply
                    _raise(error, doc, fmt, errors, raw)
                value = parser.record(doc, ctx)
        elif fmt == 1:
            if _is_csv_error(text):
                _raise(error, text, fmt, errors, raw)
            value = parser.csv(text, ctx)
        elif fmt == 0:
            if text.startswith("ERROR"):
                _raise(error, text, fmt, errors, raw)
            value = parser.text(text, ctx)
        else:
            elements = _xml_elements(text)
            if elements is not None:
                rec: dict[str, object] | None = None
                if len(elements) == 1 and elements[0].tag == parser.xml_root:
                    rec = _record(elements[0])
                elif len(elements) == 1 and elements[0].tag == "result":
                    rec = _record(elements[0])  # an error wraps its fields in <result>
                elif parser.xml_optional_root:
                    rec = {e.tag: e.text or "" for e in elements}
                if rec is not None:
                    if _is_error_record(rec):
                        _raise(error, rec, fmt, errors, raw)
                    value = parser.record(rec, ctx)
    except Invalid as exc:
        raise ProtocolError(f"{exc} in {FORMAT_NAMES[fmt]} reply", raw=raw) from None
    if value is None:
        raise ProtocolError(f"unexpected {FORMAT_NAMES[fmt]} reply", raw=raw)
    return value


def parse_many(
    raw: bytes,
    fmt: int,
    parser: ReplyParser[T],
    error: ReplyParser[Any],
    errors: ErrorMap,
    *,
    empty_code: int | None = None,
    records_key: str | None = None,
) -> list[T]:
    """Parse a multi-record reply (one line, element or JSON object per record).

    `empty_code`: the error code that means "no records" (an empty list, not an exception).
    `records_key`: in JSON the records are the array under this key of an object.
    """
    text = decode(raw)
    values: list[T | None] | None = None
    try:
        if empty_code is not None:
            try:
                _raise_for_error(text, fmt, error, errors, raw)
            except ApiError as exc:
                if exc.code == empty_code:
                    return []
                raise
        if fmt == 3:
            doc = _load_json(text)
            if isinstance(doc, dict) and _is_error_record(doc):
                _raise(error, doc, fmt, errors, raw)
            if records_key is not None and isinstance(doc, dict):
                doc = doc.get(records_key)
            if isinstance(doc, list):
                values = [parser.record(r, _NO_CONTEXT) if isinstance(r, dict) else None for r in doc]
        elif fmt == 2:
            elements = _xml_elements(text)
            if elements is not None and len(elements) == 1 and elements[0].tag == "result":
                children = list(elements[0])
                top = _record(elements[0])
                if _is_error_record(top):
                    _raise(error, top, fmt, errors, raw)
                values = [
                    parser.record(_record(c), _NO_CONTEXT) if c.tag == parser.xml_root else None for c in children
                ]
        else:
            if (fmt == 1 and _is_csv_error(text)) or (fmt == 0 and text.startswith("ERROR")):
                _raise(error, text, fmt, errors, raw)
            lines = text.split("\n")
            if len(lines) > 1 and lines[-1] == "":
                lines.pop()
            parse = parser.csv if fmt == 1 else parser.text
            values = [parse(line, _NO_CONTEXT) for line in lines]
    except Invalid as exc:
        raise ProtocolError(f"{exc} in {FORMAT_NAMES[fmt]} reply", raw=raw) from None
    if values is None:
        raise ProtocolError(f"unexpected {FORMAT_NAMES[fmt]} reply", raw=raw)
    result: list[T] = []
    for index, value in enumerate(values):
        if value is None:
            raise ProtocolError(f"record {index + 1} of the {FORMAT_NAMES[fmt]} reply does not parse", raw=raw)
        result.append(value)
    return result


def _raise_for_error(text: str, fmt: int, error: ReplyParser[Any], errors: ErrorMap, raw: bytes) -> None:
    """Raise the mapped ApiError if the reply is an error reply of its format; else return."""
    if fmt == 3:
        doc = _load_json(text)
        if isinstance(doc, dict) and _is_error_record(doc):
            _raise(error, doc, fmt, errors, raw)
    elif fmt == 2:
        elements = _xml_elements(text)
        if elements is not None and len(elements) == 1 and elements[0].tag == "result":
            top = _record(elements[0])
            if _is_error_record(top):
                _raise(error, top, fmt, errors, raw)
    elif (fmt == 1 and _is_csv_error(text)) or (fmt == 0 and text.startswith("ERROR")):
        _raise(error, text, fmt, errors, raw)


def parse_bare(raw: bytes, fmt: int, literal: str, error: ReplyParser[Any], errors: ErrorMap) -> None:
    """A reply that is `literal` (OK) in every format: accept it, an empty body, or in JSON an object
    that is not an error; raise the mapped ApiError for an error reply."""
    text = decode(raw, allow_empty=True)
    if text.strip() in (literal, ""):
        return
    try:
        _raise_for_error(text, fmt, error, errors, raw)
    except Invalid as exc:
        raise ProtocolError(f"{exc} in {FORMAT_NAMES[fmt]} reply", raw=raw) from None
    if fmt == 3 and isinstance(_load_json(text), dict):
        return
    raise ProtocolError(f"unexpected {FORMAT_NAMES[fmt]} reply (expected {literal})", raw=raw)


def _is_csv_error(text: str) -> bool:
    _, sep, tail = text.partition(",")
    return bool(sep) and tail.startswith("-") and "," not in tail and "\n" not in tail


def _load_json(text: str) -> object:
    """The JSON document `text` holds, or None; JSON's own whitespace may surround it."""
    if not text or text[0] in _JSON_SPACE:  # an index is cheaper than a slice
        text = text.lstrip(_JSON_SPACE)
    try:
        document, end = _SCAN(text, 0)  # decode() without its two whitespace regex scans
    except (StopIteration, ValueError, RecursionError, ArithmeticError):
        return None  # StopIteration: no value at the start; ArithmeticError: a number Decimal cannot hold
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        return None
    return document
