"""The HTTP rules both transports share: the form encoder is urlencode's output, faster."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from smsc._http_rules import encode_form

TEXT = st.text(st.characters(codec="utf-8"), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT), max_size=6))
def test_encode_form_writes_what_urlencode_writes(fields: list[tuple[str, str]]) -> None:
    assert encode_form(fields) == urlencode(fields)
