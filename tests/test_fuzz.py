"""Parsers fed arbitrary bytes, or near misses of valid replies, give a value or an SmscError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import smsc
from smsc import _parsers
from smsc._api_errors import ERROR_MAPS
from tests.conftest import SPEC

PARSERS = sorted(name for name in SPEC.replies if name != "error")
CONTEXT = {"id": 1, "phone": "79991234567"}


def _parse(name: str, raw: bytes, fmt: int) -> Any:
    reply = SPEC.replies[name]
    parse = getattr(_parsers, f"parse_{name}")
    if reply.context and not reply.multi:
        return parse(raw, fmt, ERROR_MAPS["send"], CONTEXT)
    return parse(raw, fmt, ERROR_MAPS["send"])


def _expect_value_or_smsc_error(name: str, raw: bytes, fmt: int) -> None:
    try:
        _parse(name, raw, fmt)
    except smsc.ProtocolError as exc:
        assert exc.raw == raw
    except smsc.ApiError as exc:
        assert exc.raw == raw and isinstance(exc.code, int)


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize("fmt", range(4))
@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=200))
@example(raw=b"")
@example(raw=b"\xff\xfe")
@example(raw=b"[" * 5000)
@example(raw=b"<!DOCTYPE x [<!ENTITY a 'b'>]><result><id>&a;</id></result>")
@example(raw=b'{"error_code": "x"}')
@example(raw=b'{"id": 1, "cnt": 1e99999999999999999999, "cost": 1e99999999999999999999}')  # beyond Decimal's range
@example(raw=b"0,-")
@example(raw=b"ERROR = x (y)")
def test_arbitrary_bytes(name: str, fmt: int, raw: bytes) -> None:
    _expect_value_or_smsc_error(name, raw, fmt)


def _mutations() -> st.SearchStrategy[tuple[str, int, bytes]]:
    samples = [(r.name, e.fmt, e.raw.encode()) for r in SPEC.replies.values() for e in r.examples if r.name != "error"]

    @st.composite
    def mutate(draw: st.DrawFn) -> tuple[str, int, bytes]:
        name, fmt, raw = draw(st.sampled_from(samples))
        data = bytearray(raw)
        for _ in range(draw(st.integers(1, 3))):
            op = draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
            pos = draw(st.integers(0, max(len(data) - 1, 0)))
            byte = draw(st.sampled_from([*b',:.<>/"{}[]-0 \n', draw(st.integers(0, 255))]))
            if op == "delete" and data:
                del data[pos]
            elif op == "insert":
                data.insert(pos, byte)
            elif op == "replace" and data:
                data[pos] = byte
            elif op == "truncate":
                del data[pos:]
        return name, fmt, bytes(data)

    return mutate()


@settings(max_examples=1500, deadline=None)
@given(case=_mutations())
def test_near_misses_of_valid_replies(case: tuple[str, int, bytes]) -> None:
    name, fmt, raw = case
    _expect_value_or_smsc_error(name, raw, fmt)


@given(
    doc=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(["id", "cnt", "cost", "balance", "status", "error_code", "error", "phone", "x"]),
                children,
                max_size=6,
            )
        ),
        max_leaves=20,
    )
)
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_documents(doc: object) -> None:
    raw = json.dumps(doc).encode()
    for name in ("send_balance", "statuses_full", "status_region", "balance_currency"):
        _expect_value_or_smsc_error(name, raw, 3)
