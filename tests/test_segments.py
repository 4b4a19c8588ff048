"""smsc.segments(), transliteration and client.estimate(): the issue's vectors and hypothesis properties."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smsc
from smsc import text
from smsc.testing import MockTransport
from smsc.text._segments import describe, split_units
from smsc.text._tables import BASIC, EXTENSION, TRANSLIT

GSM7, UCS2 = smsc.Encoding.GSM7, smsc.Encoding.UCS2
CAP = {GSM7: (160, 153), UCS2: (70, 67)}
GSM_CHARS = sorted(BASIC) + sorted(EXTENSION)

# Texts that sit on the interesting edges: GSM with extension characters, Cyrillic, emoji, mixtures.
chars = st.one_of(
    st.sampled_from(GSM_CHARS),
    st.sampled_from(sorted(EXTENSION)),
    st.sampled_from("абвгдеёжзийклмнопрстуфхцчшщъыьэюяӘәҚқҢңӨөҮүІі"),
    st.sampled_from(["😀", "𝄞", "🏽", "`", "ç"]),
    st.characters(),
)
# Long texts: a run of one character (so parts fill up) with random text around and inside it.
runs = st.tuples(
    st.text(alphabet=chars, max_size=30),
    st.sampled_from(["a", "€", "ж", "😀", "{", "a€", "ж😀"]),
    st.integers(0, 360),
    st.text(alphabet=chars, max_size=10),
    st.text(alphabet=chars, max_size=30),
).map(lambda t: t[0] + t[1] * (t[2] // 2) + t[3] + t[1] * (t[2] - t[2] // 2) + t[4])
texts = st.one_of(
    runs,
    st.text(alphabet=st.sampled_from(GSM_CHARS), min_size=100, max_size=700),
    st.text(alphabet=st.sampled_from(sorted(BASIC)), min_size=140, max_size=500),
    st.text(alphabet=chars, max_size=400),
    st.text(max_size=200),
)


def units(part: str, encoding: smsc.Encoding) -> int:
    """Units of a part, counted character by character (independently of the SDK's fast paths)."""
    if encoding is GSM7:
        assert all(c in BASIC or c in EXTENSION for c in part)
        return sum(2 if c in EXTENSION else 1 for c in part)
    return sum(2 if ord(c) > 0xFFFF else 1 for c in part)


def fewest_parts(value: str, encoding: smsc.Encoding) -> int:
    """The fewest parts of any split between characters (dynamic programming over every cut)."""
    single, multi = CAP[encoding]
    weights = [units(c, encoding) for c in value]
    if sum(weights) <= single:
        return 1
    best = [0] + [len(value) + 1] * len(value)
    for end in range(1, len(value) + 1):
        size, start = 0, end
        while start > 0 and size + weights[start - 1] <= multi:
            size += weights[start - 1]
            start -= 1
            best[end] = min(best[end], best[start] + 1)
    return best[-1]


# --- splitting vectors: boundaries, escapes, surrogates -------------------------------------------


@pytest.mark.parametrize(
    ("message", "encoding", "sizes"),
    [
        ("a" * 160, GSM7, [160]),
        ("a" * 161, GSM7, [153, 8]),
        ("a" * 159 + "€", GSM7, [153, 8]),  # 161 septets
        ("a" * 153 * 2, GSM7, [153, 153]),
        ("a" * (153 * 2 + 1), GSM7, [153, 153, 1]),
        ("a" * 152 + "€" + "b" * 10, GSM7, [152, 12]),
        ("a" * 152 + "{" + "b" * 10, GSM7, [152, 12]),
        ("a" * 151 + "€" + "b" * 10, GSM7, [153, 10]),  # the pair ends the part exactly
        ("ж" * 70, UCS2, [70]),
        ("ж" * 71, UCS2, [67, 4]),
        ("ж" * 67 * 2, UCS2, [67, 67]),
        ("ж" * (67 * 2 + 1), UCS2, [67, 67, 1]),
        ("😀" * 34, UCS2, [68]),
        ("😀" * 35, UCS2, [70]),
        ("😀" * 36, UCS2, [66, 6]),
        ("😀" * 70, UCS2, [66, 66, 8]),
        ("Hello, Мир", UCS2, [10]),
        ("a" * 60 + "`", UCS2, [61]),
        ("a" * 100 + "`", UCS2, [67, 34]),  # one backtick: 2 parts instead of 1
        ("ç", UCS2, [1]),
        ("§@", GSM7, [2]),
        ("", GSM7, [0]),
    ],
)
def test_vectors(message: str, encoding: smsc.Encoding, sizes: list[int]) -> None:
    seg = smsc.segments(message)
    assert seg.encoding is encoding
    assert [units(p, encoding) for p in seg.parts] == sizes
    assert seg.count == len(sizes) and seg.units == sum(sizes)
    assert seg.capacity == CAP[encoding][0 if len(sizes) == 1 else 1]
    assert seg.units_left == seg.capacity - sizes[-1]
    assert seg.text == message and not seg.truncated
    assert text.count_parts(message) == (encoding, len(sizes))


def test_no_part_ends_with_a_lone_high_surrogate() -> None:
    seg = smsc.segments("😀" * 70)
    assert [len(p) for p in seg.parts] == [33, 33, 4]
    for part in seg.parts:
        assert not part.encode("utf-16-be", "surrogatepass").endswith(b"\xd8\x3d")
    chunks = split_units(("😀" * 70).encode("utf-16-be"), UCS2, 67)
    assert all(not 0xD8 <= c[-2] <= 0xDB for c in chunks)


def test_escape_pair_at_a_boundary_in_septets() -> None:
    seg = smsc.segments("a" * 152 + "€" + "b" * 10)
    assert text.encode_gsm7(seg.parts[0]) == b"a" * 152
    assert text.encode_gsm7(seg.parts[1]) == b"\x1b\x65" + b"b" * 10


def test_max_parts_truncates_like_maxsms() -> None:
    seg = smsc.segments("a" * 400, max_parts=2)
    assert seg.truncated and seg.parts == ("a" * 153, "a" * 153) and seg.count == 2 and seg.units_left == 0
    one = smsc.segments("a" * 400, max_parts=1)
    assert one.truncated and one.parts == ("a" * 160,) and one.capacity == 160
    one_ucs = smsc.segments("😀" * 40, max_parts=1)
    assert one_ucs.parts == ("😀" * 35,) and one_ucs.units == 70
    assert smsc.segments("a" * 400, max_parts=3) == smsc.segments("a" * 400)
    assert text.count_parts("a" * 400, max_parts=2) == (GSM7, 2)


def test_forced_encoding() -> None:
    assert smsc.segments("Hello", encoding=UCS2).encoding is UCS2
    assert smsc.segments("Hello", encoding=UCS2).units_left == 65
    with pytest.raises(smsc.InvalidRequest, match=r"'ж' at position 6 is not in the GSM 03\.38 alphabet") as caught:
        smsc.segments("Hello ж", encoding=GSM7)
    assert not isinstance(caught.value, UnicodeError)
    with pytest.raises(smsc.InvalidRequest, match="encoding"):
        smsc.segments("Hello", encoding=smsc.Encoding.BINARY)


@pytest.mark.parametrize("encoding", [None, UCS2, GSM7])
def test_lone_surrogates_are_refused(encoding: smsc.Encoding | None) -> None:
    with pytest.raises(smsc.InvalidRequest, match="position 2") as caught:
        smsc.segments("ab\ud83d", encoding=encoding)
    assert not isinstance(caught.value, UnicodeError)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"translit": 1}, "translit"),
        ({"max_parts": 0}, "max_parts"),
        ({"max_parts": True}, "max_parts"),
        ({"encoding": "GSM7"}, "encoding"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(smsc.InvalidRequest, match=message):
        smsc.segments("Hello", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest, match="must be a string"):
        smsc.segments(b"Hello")  # type: ignore[arg-type]


# --- transliteration -------------------------------------------------------------------------------


def test_transliteration() -> None:
    assert smsc.transliterate("Привет, как дела?", smsc.Translit.LATIN) == "Privet, kak dela?"
    assert smsc.transliterate("Щука и ёж", smsc.Translit.LATIN) == "Shchuka i yozh"
    assert smsc.transliterate("Қазақстан Өскемен", smsc.Translit.LATIN) == "Qazaqstan Öskemen"
    assert smsc.transliterate("Європа, Ґанок", smsc.Translit.LATIN) == "Yevropa, Ganok"
    assert smsc.transliterate("транслит", smsc.Translit.LOOKALIKE) == "mpaHc/Ium"
    assert smsc.transliterate("Привет 😀", smsc.Translit.NONE) == "Привет 😀"
    with pytest.raises(smsc.InvalidRequest, match="translit"):
        smsc.transliterate("x", 2)  # type: ignore[arg-type]


def test_transliteration_changes_the_count() -> None:
    russian = "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 2
    assert smsc.segments(russian).encoding is UCS2 and smsc.segments(russian).count == 2
    latin = smsc.segments(russian, translit=smsc.Translit.LATIN)
    assert latin.encoding is GSM7 and latin.count == 1
    assert latin.text == smsc.transliterate(russian, smsc.Translit.LATIN)
    assert smsc.segments(russian, translit=smsc.Translit.LOOKALIKE).encoding is GSM7


@pytest.mark.parametrize("kind", list(TRANSLIT))
def test_every_transliterated_cyrillic_letter_is_gsm7(kind: smsc.Translit) -> None:
    cyrillic = "".join(chr(c) for c in range(0x400, 0x500) if chr(c) in TRANSLIT[kind])
    assert len(cyrillic) >= 66  # Russian both cases, plus Ukrainian, Belarusian and Kazakh letters
    assert text.is_gsm7(smsc.transliterate(cyrillic, kind))


# --- properties --------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(texts, st.sampled_from(list(smsc.Translit)))
def test_parts_join_fit_and_are_fewest(value: str, translit: smsc.Translit) -> None:
    try:
        seg = smsc.segments(value, translit=translit)
    except smsc.InvalidRequest:
        assert any("\ud800" <= c <= "\udfff" for c in value)
        return
    sent = smsc.transliterate(value, translit)
    assert "".join(seg.parts) == sent
    encoding = GSM7 if text.is_gsm7(sent) else UCS2
    assert seg.encoding is encoding
    single, multi = CAP[encoding]
    sizes = [units(p, encoding) for p in seg.parts]
    assert all(size <= (single if seg.count == 1 else multi) for size in sizes)
    assert seg.count == len(seg.parts) == fewest_parts(sent, encoding)
    assert seg.units == sum(sizes) and seg.units_left == seg.capacity - sizes[-1]
    assert text.count_parts(value, translit=translit) == (encoding, seg.count)
    if seg.count > 1:
        assert all(p for p in seg.parts)


@given(texts, st.integers(1, 5))
def test_max_parts_keeps_a_prefix_of_the_full_split(value: str, max_parts: int) -> None:
    try:
        full = smsc.segments(value)
    except smsc.InvalidRequest:
        return
    cut = smsc.segments(value, max_parts=max_parts)
    assert cut.count == min(full.count, max_parts) == text.count_parts(value, max_parts=max_parts)[1]
    assert cut.truncated == (full.count > max_parts)
    assert full.text.startswith(cut.text)
    if max_parts > 1 or not cut.truncated:
        assert cut.parts == full.parts[:max_parts]
    else:
        assert (
            units(cut.text, cut.encoding)
            <= CAP[cut.encoding][0]
            < units(cut.text + full.text[len(cut.text)], cut.encoding)
        )


@given(texts)
def test_a_split_never_breaks_an_escape_or_surrogate_pair(value: str) -> None:
    if any("\ud800" <= c <= "\udfff" for c in value):
        return
    if text.is_gsm7(value):
        chunks = split_units(text.encode_gsm7(value), GSM7, 153)
        assert all(not c.endswith(b"\x1b") for c in chunks)
        assert "".join(text.decode_gsm7(c) for c in chunks) == value
    chunks = split_units(value.encode("utf-16-be"), UCS2, 67)
    assert all(len(c) <= 134 for c in chunks)
    assert "".join(text.decode_ucs2(c) for c in chunks) == value


@given(
    st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=30).flatmap(
        lambda gsm: st.tuples(
            st.just(gsm), st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1)
        ).filter(lambda pair: not text.is_gsm7(pair[1]))
    )
)
def test_unencodable_text_for_a_forced_encoding_raises_invalid_request(pair: tuple[str, str]) -> None:
    gsm, other = pair
    with pytest.raises(smsc.InvalidRequest) as caught:
        smsc.segments(gsm + other, encoding=GSM7)
    assert not isinstance(caught.value, UnicodeError)
    with pytest.raises(smsc.InvalidRequest):
        text.encode_gsm7(gsm + other)
    assert smsc.segments(gsm + other, encoding=UCS2).encoding is UCS2


# --- describe (the `smsc segments` hook) --------------------------------------------------------------


def test_describe() -> None:
    info = describe("a" * 161)
    assert info["summary"] == "2 SMS, GSM-7: 161 septets, 145 left in the last part (153 per part)"
    assert info["count"] == 2 and info["encoding"] == "GSM7" and info["parts"] == ["a" * 153, "a" * 8]
    short = describe("Привет", translit=smsc.Translit.NONE)
    assert short["summary"] == "1 SMS, UCS-2: 6 UTF-16 code units, 64 left in the message (70 per SMS)"
    assert describe("a" * 400, max_parts=1)["summary"].endswith("; cut to 1 part")


# --- client.estimate ---------------------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[smsc.Client]:
    no_network = MockTransport()  # no reply scripted: any request fails the test
    yield smsc.Client(login="demo", password="demo", transport=no_network)
    assert no_network.requests == [], "estimate must not touch the network"


def test_estimate_counts_parts_times_recipients(client: smsc.Client) -> None:
    est = client.estimate(["+77011234567", "77011234568"], "ж" * 71, price_per_sms=Decimal("3.50"))
    assert est == smsc.Estimate(sms_count=4, parts=2, recipients=2, encoding=UCS2, cost=Decimal("14.00"))
    assert client.estimate("+77011234567", "Hello").cost is None
    latin = client.estimate(["+77011234567"], "ж" * 71, translit=smsc.Translit.LATIN, price_per_sms="2")
    assert (latin.parts, latin.encoding, latin.cost) == (1, GSM7, Decimal("2"))
    assert client.estimate(["+77011234567"], "a" * 700).sms_count == 5  # node-smsc's observed cnt (§8)
    assert client.estimate(["+77011234567"], "a" * 700, max_parts=3).sms_count == 3


@pytest.mark.parametrize("kind", [k for k in smsc.MessageFormat if k.per_recipient])
def test_kinds_billed_per_recipient_count_one_each(client: smsc.Client, kind: smsc.MessageFormat) -> None:
    phones = ["a@example.com", "b@example.com"] if kind is smsc.MessageFormat.MAIL else ["+77011234567", "+77011234568"]
    message = "" if kind in (smsc.MessageFormat.HLR, smsc.MessageFormat.PING) else "ж" * 500
    est = client.estimate(phones, message, format=kind, price_per_sms=1)
    assert (est.sms_count, est.parts, est.encoding, est.cost) == (2, 1, None, Decimal(2))


def test_binary_kinds_count_octets(client: smsc.Client) -> None:
    assert client.estimate("+77011234567", "00" * 140, format=smsc.MessageFormat.BIN_HEX).parts == 1
    est = client.estimate("+77011234567", "00" * 141, format=smsc.MessageFormat.BIN_HEX)
    assert (est.parts, est.encoding) == (2, smsc.Encoding.BINARY)
    assert client.estimate("+77011234567", "ж" * 71, format=smsc.MessageFormat.BIN).parts == 2  # 142 octets
    with pytest.raises(smsc.InvalidRequest, match="hexadecimal"):
        client.estimate("+77011234567", "0g", format=smsc.MessageFormat.BIN_HEX)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("12", "Hi"), {}, "phones"),
        (("+77011234567,+77011234568", "Hi"), {}, "phones"),
        (("G12", "Hi"), {}, "contact group"),
        (("+77011234567", ""), {}, "message: is empty"),
        (("+77011234567", "a" * 1001), {}, "at most 1000"),
        (("+77011234567", "Hi"), {"price_per_sms": 1.5}, "price_per_sms"),
        (("+77011234567", "Hi"), {"price_per_sms": "-1"}, "price_per_sms"),
        (("+77011234567", "Hi"), {"max_parts": 0}, "max_parts"),
        (("+77011234567", "Hi"), {"translit": 1}, "translit"),
        (("+77011234567", "Hi"), {"format": 0}, "format"),
    ],
)
def test_estimate_validates_like_send(
    client: smsc.Client, args: tuple[str, str], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(smsc.InvalidRequest, match=message):
        client.estimate(*args, **kwargs)  # type: ignore[arg-type]


@given(texts, st.lists(st.from_regex(r"\+7[0-9]{10}", fullmatch=True), min_size=1, max_size=5))
def test_estimate_agrees_with_segments(value: str, phones: list[str]) -> None:
    no_network = MockTransport()
    client = smsc.Client(login="demo", password="demo", transport=no_network)
    try:
        seg = smsc.segments(value)
    except smsc.InvalidRequest:
        return
    if not value or len(value) > 1000:
        return
    est = client.estimate(phones, value, price_per_sms="0.5")
    assert (est.parts, est.recipients, est.encoding) == (seg.count, len(phones), seg.encoding)
    assert est.sms_count == seg.count * len(phones) and est.cost == Decimal("0.5") * est.sms_count
    assert no_network.requests == []
