"""GSM-7 and UCS-2 codecs and concatenation headers (smsc.text): vectors, properties, the gsm0338 oracle."""

from __future__ import annotations

import contextlib
import random

import gsm0338  # noqa: F401  (registers the 'gsm03.38' codec: an independent GSM 03.38 table)
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import smsc
from smsc import text
from smsc.text._tables import BASIC, ESCAPE, EXTENSION

GSM_BASIC = sorted(BASIC)
GSM_EXT = sorted(EXTENSION)
gsm_text = st.text(alphabet=st.sampled_from(GSM_BASIC + GSM_EXT), max_size=400)
septets = st.binary(max_size=300).map(lambda b: bytes(x & 0x7F for x in b))
# Lengths drawn first, so that most payloads need several parts.
long_gsm = st.integers(0, 700).flatmap(
    lambda n: st.text(alphabet=st.sampled_from(GSM_BASIC + GSM_EXT * 4), min_size=n, max_size=n)
)
long_ucs2 = st.integers(0, 300).flatmap(
    lambda n: st.text(alphabet=st.sampled_from(["ж", "😀", "a", "𝄞"]), min_size=n, max_size=n)
)


def ref_pack(data: bytes, fill_bits: int = 0) -> bytes:
    """Packing by the book (23.038 §6.1.2.1): a little-endian bit stream, least significant bit first."""
    bits = "0" * fill_bits + "".join(format(s, "07b")[::-1] for s in data)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i : i + 8][::-1], 2) for i in range(0, len(bits), 8))


# --- the table, against the gsm0338 package -------------------------------------------------------


def test_the_table_is_exactly_gsm0338s_default_alphabet_and_extension() -> None:
    oracle = {}
    for code in range(128):
        if code != ESCAPE:
            oracle[bytes([code]).decode("gsm03.38")] = bytes([code])
    for code in range(128):
        try:
            oracle[bytes([ESCAPE, code]).decode("gsm03.38")] = bytes([ESCAPE, code])
        except UnicodeDecodeError:
            continue
    ours = {c: bytes([v]) for c, v in BASIC.items()} | {c: bytes([ESCAPE, v]) for c, v in EXTENSION.items()}
    assert ours == oracle
    assert len(BASIC) == 127 and len(EXTENSION) == 10


@given(st.text(alphabet=st.one_of(st.sampled_from(GSM_BASIC + GSM_EXT), st.characters()), max_size=60))
def test_encoding_agrees_with_gsm0338_on_any_text(value: str) -> None:
    expected: bytes | None = None
    if "\x1b" not in value:  # gsm0338 encodes ESC as a character; it is not one
        with contextlib.suppress(UnicodeEncodeError):
            expected = value.encode("gsm03.38")
    if expected is None:
        with pytest.raises(smsc.InvalidRequest):
            text.encode_gsm7(value)
    else:
        assert text.encode_gsm7(value) == expected


@given(gsm_text)
def test_decoding_agrees_with_gsm0338(value: str) -> None:
    data = value.encode("gsm03.38")
    assert text.decode_gsm7(data) == data.decode("gsm03.38") == value


# --- GSM-7 vectors (3GPP TS 23.038) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "septets"),
    [
        ("@", b"\x00"),
        ("$", b"\x02"),
        ("¤", b"\x24"),
        ("§", b"\x5f"),
        ("¡", b"\x40"),
        ("¿", b"\x60"),
        ("Ç", b"\x09"),
        ("\n", b"\x0a"),
        ("\r", b"\x0d"),
        ("\f", b"\x1b\x0a"),
        ("^", b"\x1b\x14"),
        ("{", b"\x1b\x28"),
        ("}", b"\x1b\x29"),
        ("\\", b"\x1b\x2f"),
        ("[", b"\x1b\x3c"),
        ("~", b"\x1b\x3d"),
        ("]", b"\x1b\x3e"),
        ("|", b"\x1b\x40"),
        ("€", b"\x1b\x65"),
        ("Δ", b"\x10"),
        ("à", b"\x7f"),
    ],
)
def test_known_characters(char: str, septets: bytes) -> None:
    assert text.encode_gsm7(char) == septets
    assert text.decode_gsm7(septets) == char


@pytest.mark.parametrize("char", ["`", "ç", "ж", "😀", "\x00", "\x1b", "\t", "\x7f"])
def test_characters_outside_gsm7_are_refused_with_their_position(char: str) -> None:
    with pytest.raises(smsc.InvalidRequest, match=r"at position 3 .*GSM 03\.38") as caught:
        text.encode_gsm7("abc" + char + "def")
    assert not isinstance(caught.value, UnicodeError)
    assert text.is_gsm7("abc" + char) is False


def test_packing_vector() -> None:
    assert text.pack_septets(text.encode_gsm7("hellohello")).hex() == "e8329bfd4697d9ec37"
    assert text.decode_gsm7(text.unpack_septets(bytes.fromhex("e8329bfd4697d9ec37"), 10)) == "hellohello"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x80", "0x80 at offset 0 is not a septet"),
        (b"a\x1b", "ESC at the end"),
        (b"\x1b\x41", "ESC followed by 0x41"),
        (b"\x1b\x1b", "ESC followed by 0x1B"),
    ],
)
def test_undecodable_septets(data: bytes, message: str) -> None:
    with pytest.raises(smsc.InvalidRequest, match=message):
        text.decode_gsm7(data)
    assert "\ufffd" in text.decode_gsm7(data, errors="replace")


def test_replace_keeps_what_decodes() -> None:
    # 'a', ESC '€', an undefined escape (both septets become one U+FFFD), 'b', an octet above 0x7F
    assert text.decode_gsm7(b"a\x1b\x65\x1b\x41b\xe5", errors="replace") == "a€\ufffdb\ufffd"


def test_bad_arguments() -> None:
    with pytest.raises(smsc.InvalidRequest, match="must be bytes"):
        text.decode_gsm7("abc")  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest, match="must be a string"):
        text.encode_gsm7(b"abc")  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest, match="not a septet"):
        text.pack_septets(b"\x80")
    with pytest.raises(smsc.InvalidRequest, match="fill_bits"):
        text.pack_septets(b"a", fill_bits=7)
    with pytest.raises(smsc.InvalidRequest, match="count"):
        text.unpack_septets(b"\x00", 2)
    with pytest.raises(smsc.InvalidRequest, match="lone surrogate"):
        text.encode_ucs2("ab\ud83d")
    with pytest.raises(smsc.InvalidRequest, match="not UTF-16BE"):
        text.decode_ucs2(b"\xd8\x3d")
    with pytest.raises(smsc.InvalidRequest, match="not UTF-16BE"):
        text.decode_ucs2(b"\x00")


# --- properties ------------------------------------------------------------------------------------


@given(st.one_of(gsm_text, long_gsm))
def test_gsm7_round_trip(value: str) -> None:
    encoded = text.encode_gsm7(value)
    assert text.decode_gsm7(encoded) == value
    assert len(encoded) == len(value) + sum(c in EXTENSION for c in value)
    assert text.is_gsm7(value)


@given(septets, st.integers(0, 6))
def test_packed_and_unpacked_agree(data: bytes, fill: int) -> None:
    packed = text.pack_septets(data, fill_bits=fill)
    assert packed == ref_pack(data, fill)
    assert len(packed) == (7 * len(data) + fill + 7) // 8
    assert text.unpack_septets(packed, len(data), fill_bits=fill) == data


@given(gsm_text)
def test_packed_text_round_trip(value: str) -> None:
    unpacked = text.encode_gsm7(value)
    assert text.decode_gsm7(text.unpack_septets(text.pack_septets(unpacked), len(unpacked))) == value


@given(st.text(max_size=200))
def test_ucs2_round_trip(value: str) -> None:
    encoded = text.encode_ucs2(value)
    assert encoded == value.encode("utf-16-be")
    assert text.decode_ucs2(encoded) == value


@given(st.binary(max_size=200))
def test_decoders_raise_only_invalid_request(data: bytes) -> None:
    for decode in (text.decode_gsm7, text.decode_ucs2):
        with contextlib.suppress(smsc.InvalidRequest):  # any other exception fails the test
            decode(data)
        assert isinstance(decode(data, errors="replace"), str)


# --- concatenation headers -------------------------------------------------------------------------


def test_header_layouts() -> None:
    assert text.udh_header(0x12, 3, 1) == bytes.fromhex("050003120301")
    assert text.udh_header(0x1234, 3, 2, wide=True) == bytes.fromhex("0608041234" + "0302")
    with pytest.raises(smsc.InvalidRequest, match="reference"):
        text.udh_header(256, 2, 1)
    with pytest.raises(smsc.InvalidRequest, match="sequence"):
        text.udh_header(1, 2, 3)


def test_a_short_payload_has_no_header_and_a_long_one_splits_at_153() -> None:
    assert text.split_udh(b"a" * 160, smsc.Encoding.GSM7, 1) == (b"a" * 160,)
    parts = text.split_udh(b"a" * 161, smsc.Encoding.GSM7, 9)
    assert parts == (bytes.fromhex("050003090201") + b"a" * 153, bytes.fromhex("050003090202") + b"a" * 8)
    wide = text.split_udh(b"a" * 161, smsc.Encoding.GSM7, 300)
    assert [len(p) for p in wide] == [7 + 152, 7 + 9] and wide[0][:5] == bytes.fromhex("060804012c")


def test_an_escape_pair_at_the_cut_moves_to_the_next_part() -> None:
    payload = text.encode_gsm7("a" * 152 + "€" + "b" * 10)
    first, second = text.split_udh(payload, smsc.Encoding.GSM7, 1)
    assert first[6:] == b"a" * 152
    assert second[6:] == b"\x1be" + b"b" * 10


def test_encode_parts_chooses_the_encoding() -> None:
    enc, parts = text.encode_parts("ж" * 71, 5)
    assert enc is smsc.Encoding.UCS2 and [len(p) - 6 for p in parts] == [134, 8]
    enc, parts = text.encode_parts("Привет", 5, translit=smsc.Translit.LATIN)
    assert enc is smsc.Encoding.GSM7 and parts == (b"Privet",)
    with pytest.raises(smsc.InvalidRequest):
        text.encode_parts("ж", 5, encoding=smsc.Encoding.GSM7)


payloads = st.one_of(
    long_gsm.map(lambda t: (smsc.Encoding.GSM7, text.encode_gsm7(t))),
    long_ucs2.map(lambda t: (smsc.Encoding.UCS2, t.encode("utf-16-be"))),
    st.text(max_size=300).map(lambda t: (smsc.Encoding.UCS2, t.encode("utf-16-be"))),
    st.integers(0, 900).flatmap(lambda n: st.binary(min_size=n, max_size=n)).map(lambda b: (smsc.Encoding.BINARY, b)),
)


@settings(max_examples=200)
@given(payloads, st.integers(0, 65535), st.randoms(use_true_random=False))
def test_udh_parts_reassemble_to_the_original_bytes(
    case: tuple[smsc.Encoding, bytes], ref: int, rnd: random.Random
) -> None:
    encoding, payload = case
    parts = text.split_udh(payload, encoding, ref)
    if len(parts) == 1:
        assert parts[0] == payload
        return
    wide = ref > 255
    width = 2 if encoding is smsc.Encoding.UCS2 else 1
    capacity = {smsc.Encoding.GSM7: 153, smsc.Encoding.UCS2: 67, smsc.Encoding.BINARY: 134}[encoding] - wide
    for n, part in enumerate(parts, 1):
        concat, body = text.parse_udh(part)
        assert concat == text.Concat(reference=ref, total=len(parts), sequence=n, wide=wide)
        assert len(body) <= capacity * width
        if encoding is smsc.Encoding.GSM7:
            assert text.decode_gsm7(body) is not None  # a whole number of characters: no ESC left dangling
        elif encoding is smsc.Encoding.UCS2:
            assert text.decode_ucs2(body) is not None  # no surrogate pair cut in two
    shuffled = list(parts)
    rnd.shuffle(shuffled)
    assert text.join_udh(shuffled) == payload


def test_join_refuses_incomplete_or_mixed_parts() -> None:
    parts = text.split_udh(b"a" * 400, smsc.Encoding.GSM7, 7)
    other = text.split_udh(b"b" * 400, smsc.Encoding.GSM7, 8)
    with pytest.raises(smsc.InvalidRequest, match="missing part"):
        text.join_udh(parts[:2])
    with pytest.raises(smsc.InvalidRequest, match="another message"):
        text.join_udh([parts[0], other[1], parts[2]])
    with pytest.raises(smsc.InvalidRequest, match="twice"):
        text.join_udh([parts[0], parts[0]])
    with pytest.raises(smsc.InvalidRequest, match="no concatenation header"):
        text.join_udh([b"\x00abc"])


def test_parse_skips_other_elements_and_refuses_broken_headers() -> None:
    # a port-addressing element (IEI 0x05) before the concatenation element
    concat, body = text.parse_udh(bytes.fromhex("0b0504158a0000" + "0003aa0201") + b"hi")
    assert concat == text.Concat(reference=0xAA, total=2, sequence=1) and body == b"hi"
    for raw in (b"", b"\x09\x00\x03", b"\x05\x00\x03\x01\x02", b"\x05\x00\x03\x01\x02\x03", b"\x04\x00\x02\x01\x02"):
        with pytest.raises(smsc.InvalidRequest):
            text.parse_udh(raw)


@settings(max_examples=300)
@given(st.binary(max_size=40))
def test_parse_udh_raises_only_invalid_request(data: bytes) -> None:
    with contextlib.suppress(smsc.InvalidRequest):  # any other exception fails the test
        _, payload = text.parse_udh(data)
        assert payload == data[1 + data[0] :]
