"""Every documented reply sample in spec/ parses to its documented value."""

from __future__ import annotations

from typing import Any

import pytest

import smsc
from smsc import _parsers
from smsc._api_errors import ERROR_MAPS
from tests.conftest import SPEC, model_value

EXAMPLES = [
    pytest.param(reply, example, id=f"{reply.name}-fmt{example.fmt}-{index}")
    for reply in SPEC.replies.values()
    for index, example in enumerate(reply.examples)
]


def _parse(reply: Any, example: Any) -> Any:
    raw = example.raw.encode("utf-8")
    if reply.name == "error":
        with pytest.raises(smsc.ApiError) as caught:
            _parsers.parse_send_id(raw, example.fmt, ERROR_MAPS["send"])
        err = caught.value
        return smsc._models.ErrorReply(
            code=err.code,
            description=None if example.fmt == 1 else err.description,
            id=err.message_id,
        )
    parse = getattr(_parsers, f"parse_{reply.name}")
    if reply.multi or reply.bare:
        return parse(raw, example.fmt, {})
    if reply.context:
        return parse(raw, example.fmt, {}, example.context)
    return parse(raw, example.fmt, {})


@pytest.mark.parametrize(("reply", "example"), EXAMPLES)
def test_example_parses_to_documented_value(reply: Any, example: Any) -> None:
    parsed = _parse(reply, example)
    if reply.bare:
        assert parsed is None
        return
    model = SPEC.layouts[reply.layouts[0]].model
    if reply.multi:
        assert parsed == [model_value(SPEC, model, v) for v in example.values]
    else:
        assert parsed == model_value(SPEC, model, example.value)


def test_every_reply_and_format_has_an_example() -> None:
    missing = [
        (reply.name, fmt)
        for reply in SPEC.replies.values()
        for fmt in range(4)
        if reply.name in ("send_id", "send_cost", "send_balance", "cost", "balance", "balance_currency", "error")
        and not any(e.fmt == fmt for e in reply.examples)
    ]
    assert missing == []
    covered = {name for reply in SPEC.replies.values() if reply.examples for name in reply.layouts}
    assert covered == set(SPEC.layouts)


def test_error_codes_map_to_their_classes() -> None:
    raw = b'{"error": "no money", "error_code": 3, "id": 77}'
    with pytest.raises(smsc.InsufficientFunds) as caught:
        _parsers.parse_send_balance(raw, 3, ERROR_MAPS["send"])
    assert (caught.value.code, caught.value.message_id, caught.value.raw) == (3, 77, raw)
    with pytest.raises(smsc.DeleteFailed):
        _parsers.parse_balance(b"ERROR = 5 (delete error)", 0, ERROR_MAPS["status"])
    with pytest.raises(smsc.TooManyRequests) as limited:
        _parsers.parse_balance(b"0,-9", 1, ERROR_MAPS["balance"])
    assert limited.value.retryable and limited.value.description == "duplicate request, wait a minute"
    with pytest.raises(smsc.ApiError) as unknown:
        _parsers.parse_balance(b'{"error": "new", "error_code": 42}', 3, ERROR_MAPS["balance"])
    assert type(unknown.value) is smsc.ApiError and unknown.value.code == 42
