"""parse(render(x)) == x for every reply, layout and response format."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.views import layout_views
from smsc import _parsers, _renderers
from smsc._api_errors import ERROR_MAPS
from smsc._exceptions import ApiError
from tests.conftest import SPEC
from tests.support.strategies import build_model, layout_values

CASES = [
    pytest.param(reply.name, index, fmt, id=f"{reply.name}-{view.layout.name}-fmt{fmt}")
    for reply in SPEC.replies.values()
    for index, view in enumerate(layout_views(SPEC, reply))
    for fmt in view.layout.formats
]
BARE = [
    pytest.param(reply.name, fmt, id=f"{reply.name}-fmt{fmt}")
    for reply in SPEC.replies.values()
    if reply.bare
    for fmt in range(4)
]


def _roundtrip(reply: Any, fmt: int, value: Any, context: dict[str, Any]) -> Any:
    render = getattr(_renderers, f"render_{reply.name}")
    raw = render(value, fmt).encode("utf-8")
    if reply.name == "error":
        with pytest.raises(ApiError) as caught:
            _parsers.parse_send_id(raw, fmt, ERROR_MAPS["send"])
        err = caught.value
        documented = ERROR_MAPS["send"].get(value.code, (ApiError, "unknown error"))[1]
        expected_description = value.description or documented
        assert err.description == expected_description
        return type(value)(code=err.code, description=value.description, id=err.message_id)
    parse = getattr(_parsers, f"parse_{reply.name}")
    if reply.multi:
        return parse(raw, fmt, {})
    if reply.bare:
        return parse(raw, fmt, {})
    if reply.context:
        return parse(raw, fmt, {}, context)
    return parse(raw, fmt, {})


@pytest.mark.parametrize(("reply_name", "index", "fmt"), CASES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_parse_inverts_render(reply_name: str, index: int, fmt: int, data: st.DataObject) -> None:
    reply = SPEC.replies[reply_name]
    view = layout_views(SPEC, reply)[index]
    if reply.multi:
        records = data.draw(st.lists(layout_values(view, fmt, multi=True), min_size=1, max_size=4))
        values = [build_model(view, r) for r in records]
        assert _roundtrip(reply, fmt, values, {}) == values
        return
    record = data.draw(layout_values(view, fmt, multi=False))
    if reply.name == "error" and fmt == 1:
        record["description"] = None  # fmt=1 carries the code alone
    value = build_model(view, record)
    context = {name: record[name] for name in reply.context}
    assert _roundtrip(reply, fmt, value, context) == value


@pytest.mark.parametrize(("reply_name", "fmt"), BARE)
def test_bare_replies_parse_what_they_render(reply_name: str, fmt: int) -> None:
    raw = getattr(_renderers, f"render_{reply_name}")(fmt).encode("utf-8")
    assert getattr(_parsers, f"parse_{reply_name}")(raw, fmt, {}) is None
