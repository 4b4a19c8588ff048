"""XML and JSON accept any order, whitespace and extra keys; positional formats are strict."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smsc
from smsc import _parsers

SEND = {"id": 12345, "cnt": 2, "cost": "4.48", "balance": "1231.21"}
EXPECTED = smsc.SendResult(id=12345, sms_count=2, cost=Decimal("4.48"), balance=Decimal("1231.21"))


@settings(max_examples=50, deadline=None)
@given(
    order=st.permutations(list(SEND)),
    extra=st.dictionaries(st.sampled_from(["x", "phones", "op"]), st.integers()),
    indent=st.sampled_from([None, 0, 2]),
)
def test_json_any_order_whitespace_and_extra_keys(order: list[str], extra: dict[str, int], indent: int | None) -> None:
    doc = {**{k: SEND[k] for k in order}, **extra}
    raw = json.dumps(doc, indent=indent).encode()
    assert _parsers.parse_send_balance(raw, 3, {}) == EXPECTED


@settings(max_examples=50, deadline=None)
@given(order=st.permutations(list(SEND)), space=st.sampled_from(["", "\n", "\n  ", "\r\n\t"]), extra=st.booleans())
def test_xml_any_order_whitespace_and_extra_elements(order: list[str], space: str, extra: bool) -> None:
    children = [f"{space}<{k}>{SEND[k]}</{k}>" for k in order]
    if extra:
        children.insert(1, f"{space}<unknown><nested>1</nested></unknown>")
    raw = f'<?xml version="1.0" encoding="utf-8"?>{space}<result>{"".join(children)}{space}</result>{space}'.encode()
    assert _parsers.parse_send_balance(raw, 2, {}) == EXPECTED


@pytest.mark.parametrize(
    "raw",
    [
        b"12345,2,4.48",
        b"12345,2,4.48,1231.21,9",
        b" 12345,2,4.48,1231.21",
        b"12345;2;4.48;1",
    ],
)
def test_comma_layout_is_strict(raw: bytes) -> None:
    with pytest.raises(smsc.ProtocolError) as caught:
        _parsers.parse_send_balance(raw, 1, {})
    assert caught.value.raw == raw


@pytest.mark.parametrize(
    "raw",
    [
        b"OK - 2 SMS, ID - 12345",
        b"OK - 2 SMS, ID - 12345, COST - 4.48, BALANCE - x",
        b"ok - 2 sms",
    ],
)
def test_text_layout_is_strict(raw: bytes) -> None:
    with pytest.raises(smsc.ProtocolError):
        _parsers.parse_send_balance(raw, 0, {})


def test_protocol_error_carries_the_raw_reply_and_says_what_failed() -> None:
    raw = b'{"id": 5, "cnt": "two", "cost": "1", "balance": "2"}'
    with pytest.raises(smsc.ProtocolError, match="invalid int value 'two'") as caught:
        _parsers.parse_send_balance(raw, 3, {})
    assert caught.value.raw == raw


def test_unknown_status_codes_become_members() -> None:
    status = _parsers.parse_status_basic(b"57,0,999", 1, {}, {"id": 1, "phone": "1"})
    assert status.status == 57 and status.status.name == "UNKNOWN_57"
    assert status.error == 999 and status.error is smsc.DeliveryError(999)
    assert status.changed_at is None


def test_a_single_status_record_with_a_hlr_sender_is_an_hlr_record() -> None:
    raw = b"1,1716195605,0,250,79,250,02,RU,MTS,,,1716195600,79,0.50,HLR,Delivered,"
    status = _parsers.parse_status_full(raw, 1, {}, {"id": 1, "phone": "79"})
    assert status.hlr is not None and status.hlr.mnc == "02" and status.sender is None
