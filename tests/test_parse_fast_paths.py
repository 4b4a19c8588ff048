"""The reply parsers' cheaper paths accept, reject and return exactly what the plain code they replaced does.

Each test keeps the replaced implementation as its oracle and compares it with the shipped one on
generated input: near misses of valid values as well as arbitrary text.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import smsc
from generator.model import CODEC_KINDS, Codec
from generator.render import environment
from smsc import _codec, _parse_support, _parsers
from smsc._codec import Invalid

# --- the replaced implementations -----------------------------------------------------------------

_OLD_MONEY = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?")
_OLD_JSON = json.JSONDecoder(parse_float=Decimal)


def _old_p_money(v: object) -> Decimal:
    if type(v) is str and _OLD_MONEY.fullmatch(v):
        return Decimal(v)
    if type(v) is int:
        return Decimal(v)
    if type(v) is Decimal and v.is_finite() and _OLD_MONEY.fullmatch(str(v)):
        return v
    raise Invalid("money", v)


def _old_load_json(text: str) -> object:
    if text[:1] in " \t\n\r":
        text = text.lstrip(" \t\n\r")
    try:
        document, end = _OLD_JSON.raw_decode(text)
    except (ValueError, RecursionError, ArithmeticError):  # ArithmeticError: fixed at the same time
        return None
    if end != len(text) and text[end:].strip(" \t\n\r"):
        return None
    return document


def _old_decode(raw: bytes, *, allow_empty: bool = False) -> str:
    if not raw and not allow_empty:
        raise smsc.ProtocolError("empty reply", raw=raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = raw.decode("cp1251")
        except UnicodeDecodeError:
            raise smsc.ProtocolError(
                f"reply is neither UTF-8 ({exc.reason} at byte {exc.start}) nor windows-1251", raw=raw
            ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _outcome(func: Callable[..., object], *args: object, **kwargs: object) -> tuple[str, object]:
    """What a call gives, comparable across implementations: the value's repr, or the error's type and text."""
    try:
        return "value", repr(func(*args, **kwargs))
    except Exception as exc:  # the exception is the outcome being compared
        return type(exc).__name__, str(exc)


# --- money ----------------------------------------------------------------------------------------

_MONEY_CHARS = st.sampled_from([*"0123456789", "-", ".", "+", "e", "E", "_", " ", "\n", "\u0663", "\uff11", "x"])
_MONEY_TEXT = st.one_of(
    st.from_regex(_OLD_MONEY, fullmatch=True),
    st.text(_MONEY_CHARS, max_size=25),
    st.from_regex(r"-?[0-9]{0,17}(\.[0-9]{0,8})?", fullmatch=True),
    st.text(max_size=25),
)


@settings(max_examples=3000, deadline=None)
@given(value=_MONEY_TEXT)
@example(value="-")
@example(value="1.")
@example(value=".5")
@example(value="-.5")
@example(value="--1")
@example(value="123456789012345")
@example(value="1234567890123456")
@example(value="1.123456")
@example(value="1.1234567")
@example(value="1.2.3")
@example(value="1\n")
@example(value="\u0663")
def test_money_text_is_accepted_exactly_as_before(value: str) -> None:
    assert bool(_codec._MONEY.fullmatch(value)) == bool(_OLD_MONEY.fullmatch(value))
    assert _outcome(_codec.p_money, value) == _outcome(_old_p_money, value)


@settings(max_examples=500, deadline=None)
@given(
    value=st.one_of(
        st.integers(),
        st.decimals(),
        st.builds(Decimal, st.from_regex(r"-?[0-9]{1,17}(\.[0-9]{1,8})?", fullmatch=True)),
        st.floats(),
        st.booleans(),
        st.none(),
    )
)
def test_money_of_other_types_is_read_as_before(value: object) -> None:
    assert _outcome(_codec.p_money, value) == _outcome(_old_p_money, value)


# --- JSON documents -------------------------------------------------------------------------------

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
_SPACE = st.text(st.sampled_from(" \t\n\r\x0b\xa0x"), max_size=3)


@st.composite
def _json_texts(draw: st.DrawFn) -> str:
    text = json.dumps(draw(_JSON_VALUES))
    cut = draw(st.integers(0, len(text)))
    if draw(st.booleans()):
        text = text[:cut]  # a truncated document
    return draw(_SPACE) + text + draw(_SPACE)


@settings(max_examples=1500, deadline=None)
@given(text=st.one_of(_json_texts(), st.text(st.sampled_from('{}[]",:0123456789.e-tn ul\\'), max_size=20)))
@example(text="")
@example(text=" ")
@example(text="[" * 5000)
@example(text="NaN")
@example(text='{"a": 1} x')
@example(text='{"a": 1.50}')
@example(text="1e99999999999999999999")
def test_json_documents_load_as_before(text: str) -> None:
    assert _outcome(_parse_support._load_json, text) == _outcome(_old_load_json, text)


# --- reply text -----------------------------------------------------------------------------------


@settings(max_examples=1000, deadline=None)
@given(
    raw=st.one_of(
        st.binary(max_size=30),
        st.builds(lambda t: t.encode(), st.text(max_size=20)),
        st.builds(lambda t: "\ufeff".encode() + t.encode("cp1251", "replace"), st.text(max_size=10)),
    ),
    allow_empty=st.booleans(),
)
@example(raw=b"", allow_empty=False)
@example(raw=b"\xef\xbb\xbf", allow_empty=True)
@example(raw=b"\x98", allow_empty=False)
def test_reply_bytes_decode_as_before(raw: bytes, allow_empty: bool) -> None:
    assert _outcome(_parse_support.decode, raw, allow_empty=allow_empty) == _outcome(
        _old_decode, raw, allow_empty=allow_empty
    )


# --- codecs read inline by the generated parsers --------------------------------------------------

_INLINE_KINDS = [kind.name for kind in CODEC_KINDS.values() if kind.fast_type is not None]
_ANY_VALUE = st.one_of(
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(),
    st.decimals(),
    st.text(max_size=25),
    st.from_regex(r"-?[0-9]{1,17}(\.[0-9]{1,7})?", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{0,40}|[0-9A-Za-z_.-]{1,12}", fullmatch=True),
    st.builds(Decimal, st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{1,7})?", fullmatch=True)),
)


@functools.cache
def _inline_reader(kind: str) -> Callable[[object], object]:
    """The expression parsers.py.j2 writes for a record value of this codec kind, as a function of the value."""
    macros = environment().get_template("macros/codecs.j2").module
    expression = str(macros.parse_inline(Codec(kind), 'rec["k"]')).strip()  # type: ignore[attr-defined]
    assert "p_" + kind + "(v)" in expression and expression != f'p_{kind}(rec["k"])'
    namespace = dict(vars(_parsers))
    exec(f"def read(rec):\n    return {expression}\n", namespace)  # the template's own output
    read = namespace["read"]
    return lambda value: read({"k": value})


def test_inline_codecs_are_the_common_kinds() -> None:
    assert sorted(_INLINE_KINDS) == ["int", "message_id", "money", "str"]


@pytest.mark.parametrize("kind", _INLINE_KINDS)
@settings(max_examples=800, deadline=None)
@given(value=_ANY_VALUE)
@example(value=0)
@example(value=-1)
@example(value=True)
@example(value="1.00")
@example(value="٣")
def test_inline_codecs_read_as_their_functions(kind: str, value: object) -> None:
    assert _outcome(_inline_reader(kind), value) == _outcome(getattr(_codec, f"p_{kind}"), value)
