"""GSM-7 and UCS-2 codecs: text to the octets an SMS carries, and back.

GSM-7 comes unpacked (one septet per octet, as SMPP carries it with data_coding 0; an extension
character is ESC + code) or packed (eight septets in seven octets, as the air interface carries
it). UCS-2 is UTF-16BE: characters outside the BMP take a surrogate pair. Text that cannot be
encoded, and octets that cannot be decoded, raise smsc.InvalidRequest naming the position.
The tables come from spec/text.yaml through smsc.text._tables; nothing here is typed by hand.
"""

from __future__ import annotations

import codecs
import re
from typing import Literal

from smsc._exceptions import InvalidRequest
from smsc.text._tables import BASIC, ESCAPE, EXTENSION

Errors = Literal["strict", "replace"]

_EXT_FLAG = 0x80
# One octet per character through a C charmap: basic characters at their septet, extension characters
# at 0x80 | code. A charmap table must send U+0000 to octet 0, so '@' (septet 0) travels at the free
# ESC slot and is moved back afterwards, and a NUL in the text shows up as octet 0.
_CHARMAP = ["\ufffe"] * 256
_CHARMAP[0] = "\x00"
for _char, _code in BASIC.items():
    _CHARMAP[_code or ESCAPE] = _char
for _char, _code in EXTENSION.items():
    _CHARMAP[_EXT_FLAG | _code] = _char
ENCODING_MAP = codecs.charmap_build("".join(_CHARMAP))
"""Charmap for codecs.charmap_encode: 0x00 = a NUL (not GSM), ESC slot = '@', 0x80 | code = extension."""

_DECODE = ["\ufffe"] * 256
for _char, _code in BASIC.items():
    _DECODE[_code] = _char
for _char, _code in EXTENSION.items():
    _DECODE[_EXT_FLAG | _code] = _char
_DECODE_TABLE = "".join(_DECODE)
_ESC = bytes([ESCAPE])
_EXPAND = tuple((bytes([_EXT_FLAG | code]), bytes([ESCAPE, code])) for code in EXTENSION.values())
_UNDEFINED = bytes([_EXT_FLAG | ESCAPE])  # ESC is never an extension code: decodes to U+FFFD
_HIGH_UNDEFINED = bytes(range(128)) + _UNDEFINED * 128
_ESC_PAIR = re.compile(re.escape(_ESC) + b"(.?)", re.DOTALL)
NOT_GSM = re.compile("[^" + re.escape("".join(BASIC) + "".join(EXTENSION)) + "]")


def unencodable(text: str, encoding: str, name: str = "message") -> InvalidRequest:
    """The error for a text that `encoding` cannot carry, naming its first offending character."""
    if encoding == "GSM-7":
        found = NOT_GSM.search(text)
        index = found.start() if found else 0
        why = "is not in the GSM 03.38 alphabet"
    else:
        index = next((i for i, c in enumerate(text) if "\ud800" <= c <= "\udfff"), 0)
        why = "is a lone surrogate"
    char = text[index : index + 1]
    return InvalidRequest(f"{name}: {char!r} at position {index} {why}; it cannot be sent as {encoding}")


def is_gsm7(text: str) -> bool:
    """True when every character of `text` is in the GSM 03.38 alphabet or its extension table."""
    return NOT_GSM.search(text) is None


def encode_gsm7(text: str) -> bytes:
    """Unpacked septets, one per octet; an extension character is ESC (0x1B) + its code."""
    if not isinstance(text, str):
        raise InvalidRequest(f"text: must be a string, got {type(text).__name__}")
    try:
        raw: bytes = codecs.charmap_encode(text, "strict", ENCODING_MAP)[0]
    except UnicodeEncodeError:
        raise unencodable(text, "GSM-7", "text") from None
    if 0 in raw:
        raise unencodable(text, "GSM-7", "text")
    if _ESC in raw:
        raw = raw.replace(_ESC, b"\x00")
    if not raw.isascii():
        for flagged, pair in _EXPAND:
            raw = raw.replace(flagged, pair)
    return raw


def decode_gsm7(septets: bytes, errors: Errors = "strict") -> str:
    """Text from unpacked septets. `errors="replace"` puts U+FFFD for what cannot be decoded."""
    data = as_bytes(septets, "septets")
    if not data.isascii():
        if errors == "strict":
            raise _not_septet(data)
        data = data.translate(_HIGH_UNDEFINED)
    if _ESC in data:

        def pair(m: re.Match[bytes]) -> bytes:
            code = m.group(1)
            if code and _DECODE[_EXT_FLAG | code[0]] != "\ufffe":
                return bytes([_EXT_FLAG | code[0]])
            if errors == "strict":
                what = f"ESC followed by 0x{code[0]:02X}" if code else "ESC at the end"
                raise InvalidRequest(f"septets: {what} at offset {m.start()} is not an extension character")
            return _UNDEFINED

        data = _ESC_PAIR.sub(pair, data)
    text: str = codecs.charmap_decode(data, errors, _DECODE_TABLE)[0]
    return text


def pack_septets(septets: bytes, fill_bits: int = 0) -> bytes:
    """Septets packed eight to seven octets (3GPP TS 23.038 §6.1.2.1), after `fill_bits` zero bits.

    `fill_bits` aligns the text after a user data header (1 after the 6-octet concatenation header).
    """
    data = as_bytes(septets, "septets")
    if not data.isascii():
        raise _not_septet(data)
    if not 0 <= fill_bits <= 6:
        raise InvalidRequest(f"fill_bits: {fill_bits} is outside 0..6")
    value = 0
    for septet in reversed(data):
        value = (value << 7) | septet
    bits = 7 * len(data) + fill_bits
    return (value << fill_bits).to_bytes((bits + 7) // 8, "little")


def unpack_septets(packed: bytes, count: int | None = None, fill_bits: int = 0) -> bytes:
    """Septets from packed octets. Give `count` (the SMS's septet count): seven spare bits at the end
    would otherwise read as one more '@'."""
    data = as_bytes(packed, "packed")
    if not 0 <= fill_bits <= 6:
        raise InvalidRequest(f"fill_bits: {fill_bits} is outside 0..6")
    available = max(0, (8 * len(data) - fill_bits) // 7)
    if count is None:
        count = available
    elif isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= available:
        raise InvalidRequest(f"count: {count!r} is outside 0..{available} for {len(data)} octets")
    value = int.from_bytes(data, "little") >> fill_bits
    return bytes((value >> (7 * i)) & 0x7F for i in range(count))


def encode_ucs2(text: str) -> bytes:
    """UTF-16BE code units; a character outside the BMP becomes a surrogate pair."""
    if not isinstance(text, str):
        raise InvalidRequest(f"text: must be a string, got {type(text).__name__}")
    try:
        return text.encode("utf-16-be")
    except UnicodeEncodeError:
        raise unencodable(text, "UCS-2", "text") from None


def decode_ucs2(data: bytes, errors: Errors = "strict") -> str:
    """Text from UTF-16BE code units. `errors="replace"` puts U+FFFD for what cannot be decoded."""
    raw = as_bytes(data, "data")
    try:
        return raw.decode("utf-16-be", errors)
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"data: not UTF-16BE at offset {exc.start}: {exc.reason}") from None


def as_bytes(value: object, name: str) -> bytes:
    """`value` as bytes, or smsc.InvalidRequest naming it."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise InvalidRequest(f"{name}: must be bytes, got {type(value).__name__}")


def _not_septet(data: bytes) -> InvalidRequest:
    index = next(i for i, octet in enumerate(data) if octet >= _EXT_FLAG)
    return InvalidRequest(f"septets: 0x{data[index]:02X} at offset {index} is not a septet (0x00..0x7F)")
