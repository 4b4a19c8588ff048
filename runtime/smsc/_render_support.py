"""Helpers of the generated renderers (used by the emulator and the round-trip tests)."""

from __future__ import annotations

import json
from decimal import Decimal

_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def xml_text(value: str) -> str:
    """Text content of an XML element, escaped (a carriage return survives parsing)."""
    return value.translate(_XML_ESCAPES)


def xml_element(tag: str, value: str | None) -> str:
    """`<tag>value</tag>` and a line feed, or nothing for None."""
    return "" if value is None else f"<{tag}>{xml_text(value)}</{tag}>\n"


def to_json(document: object) -> str:
    """JSON as the service writes it: UTF-8 text, Decimals as strings."""
    return json.dumps(document, ensure_ascii=False, default=_default)


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
