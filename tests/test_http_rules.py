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


# with non-ASCII digits (superscript two, Arabic-Indic zero), which str.isdigit() takes for digits
PHONEISH = st.text(st.sampled_from("+,0123456789 -_.~&=%aZ\u0439\u00b2\u0660"), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(PHONEISH, PHONEISH), max_size=6))
def test_phone_lists_are_encoded_as_urlencode_encodes_them(fields: list[tuple[str, str]]) -> None:
    assert encode_form(fields) == urlencode(fields)


def test_a_phone_list_keeps_its_plus_and_comma_readable_to_the_service() -> None:
    assert encode_form([("phones", "+77011234567,+77021234567")]) == "phones=%2B77011234567%2C%2B77021234567"


def test_the_kept_encodings_are_those_of_the_repeated_fields_only_and_stay_few() -> None:
    kept: dict[tuple[str, str], str] = {}
    for n in range(40):
        fields = [("login", f"user{n}"), ("psw", "p&w"), ("fmt", "3"), ("phones", f"+7701{n:07d}"), ("mes", "Hi")]
        assert encode_form(fields, kept) == urlencode(fields)
    assert ("psw", "p&w") in kept and kept[("psw", "p&w")] == "psw=p%26w"
    assert len(kept) == 16 and all(name in ("login", "psw", "fmt") for name, _ in kept)
