"""Hypothesis strategies for reply values, derived from the spec's layouts.

A value is drawn per layout and response format so that it is representable in that
format: positional formats (fmt 0 and 1) carry no comma in any field but the last, and
several-record replies carry no line feed; XML carries no character XML 1.0 forbids.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

import smsc
from generator.model import LayoutField
from generator.views import LayoutView, _placeholders, _tokens

MAX_ID = 2147483647
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
_XML_FORBIDDEN = {chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)} | {"\ufffe", "\uffff"}

string_ids = st.text(_ID_ALPHABET, min_size=1, max_size=40).filter(
    lambda s: not (s.isdigit() and s[0] != "0") and s != "0"
)
message_ids = st.one_of(st.integers(1, MAX_ID), string_ids)
money = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("999999999999"), places=2)
datetimes = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=smsc.MSK)
)
SPECIAL_KEYS = {
    # values with a fixed shape in the service's replies
    "currency": st.from_regex(r"[A-Z]{3}", fullmatch=True),
    "phone": st.from_regex(r"\+?[0-9]{7,15}", fullmatch=True),
}


def _text(no_comma: bool, no_newline: bool, xml: bool) -> st.SearchStrategy[str]:
    banned = set()
    if no_comma:
        banned.add(",")
    if no_newline:
        banned.update("\n\r")
    if xml:
        banned |= _XML_FORBIDDEN
    chars = st.characters(exclude_categories=["Cs"], exclude_characters="".join(sorted(banned)))
    return st.text(chars, max_size=60)


def _enum(cls: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(list(cls)), st.integers(-99, 999).map(cls))


def _field_strategy(field: LayoutField, fmt: int, last: bool, multi: bool) -> st.SearchStrategy[Any]:
    codec = field.codec
    base: st.SearchStrategy[Any]
    if field.key in SPECIAL_KEYS:
        base = SPECIAL_KEYS[field.key]
    elif codec.enum is not None:
        base = _enum(getattr(smsc, codec.enum))
    elif codec.kind in ("message_id", "id_or_zero"):
        base = message_ids
    elif codec.kind == "int":
        base = st.integers(1, 10**9) if field.key in ("error_code",) else st.integers(0, 10**9)
    elif codec.kind == "money":
        base = money
    elif codec.kind in ("msk_date", "timestamp"):
        return st.one_of(st.none(), datetimes)
    else:
        base = _text(no_comma=fmt in (0, 1) and not last, no_newline=multi, xml=fmt == 2)
    if field.optional and fmt in (2, 3):
        return st.one_of(st.none(), base)
    return base


def _present_keys(view: LayoutView, fmt: int) -> list[str]:
    """The layout's keys that a reply in this format carries, in order."""
    if fmt == 0:
        return [k for k, _ in _placeholders(_tokens(view.text))]
    if fmt == 1:
        return [item.key for item in view.csv if item.key is not None]
    return [f.key for f in view.fields]


def layout_values(view: LayoutView, fmt: int, multi: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Attribute values (flat, with "hlr.imsi"-style paths) for one record of this layout."""
    keys = _present_keys(view, fmt)
    last = keys[-1] if keys else None
    if fmt == 1 and not view.layout.csv_rest:
        last = None
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for key in keys:
        field = view.by_key[key]
        target = field.target
        if target is None or target in strategies:
            continue
        strategies[target] = _field_strategy(field, fmt, key == last, multi)
    if fmt == 0 and "[" in view.text:
        # an optional text part: its placeholders may be None (the part is then left out)
        for key, optional in _placeholders(_tokens(view.text)):
            target = view.by_key[key].target
            if optional and target is not None:
                strategies[target] = st.one_of(st.none(), strategies[target])
    for name in view.context:
        if name not in strategies:
            strategies[name] = message_ids if name == "id" else SPECIAL_KEYS["phone"]
    return st.fixed_dictionaries(strategies)


def build_model(view: LayoutView, values: dict[str, Any]) -> Any:
    """The model instance for flat attribute values."""
    flat: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for path, value in values.items():
        head, _, tail = path.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            flat[path] = value
    for head, attrs in nested.items():
        field = next(f for f in view.model.fields if f.name == head)
        flat[head] = getattr(smsc._models, field.type.split(":", 1)[1])(**attrs)
    return getattr(smsc._models, view.model.name)(**flat)
