"""How many SMS a text becomes: the encoding, the parts and the units, computed offline.

One routine serves smsc.segments(), client.estimate(), the emulator's billing and the SMPP
splitter (docs/api-reference.md#length): GSM-7 when every character is in the GSM 03.38 table
(extension characters take two septets), else UCS-2 (characters outside the BMP take two
units). A part never ends between ESC and its character, nor inside a surrogate pair: the
pair moves whole to the next part. Texts are classified with C-level string operations
(str.encode, bytes.translate, a charmap codec), never a Python loop over characters; cutting
into parts loops once per part.
"""

from __future__ import annotations

import codecs
from typing import Any

from attrs import frozen

from smsc import _params as _p
from smsc._enums import Encoding, Translit
from smsc._exceptions import InvalidRequest
from smsc.text._gsm import ENCODING_MAP, NOT_GSM, unencodable
from smsc.text._tables import BASIC, CAPACITY, ESCAPE, EXTENSION
from smsc.text._translit import transliterate

__all__ = ["Segments", "count_parts", "describe", "segments", "split_units"]

_GSM7, _UCS2, _NONE = Encoding.GSM7, Encoding.UCS2, Translit.NONE
_TEXT_ENCODINGS = (_GSM7, _UCS2)
_SINGLE_MULTI = {enc: (cap.single, cap.multi) for enc, cap in CAPACITY.items()}
_NAMES = {Encoding.GSM7: "GSM-7", Encoding.UCS2: "UCS-2", Encoding.BINARY: "8-bit"}
_PEEK = 16  # characters searched first for one outside GSM-7: Cyrillic text shows one at once
_NOT_GSM_SEARCH = NOT_GSM.search
# Marks: one octet per character, 0x01 for an extension character (two septets), 0x00 for one
# outside GSM-7, any other value for a one-septet character (never ESC). Latin-1 text takes one
# bytes.translate, which keeps one-septet characters as they are: a text of nothing else (and no
# NUL, whose mark is its own octet) comes back as the very same object. Other text goes through
# the GSM charmap codec first.
_LATIN1_MARK = bytes(
    i if chr(i) in BASIC and i not in (0, 1, ESCAPE) else 1 if chr(i) in EXTENSION else 0 for i in range(256)
)
_CHARMAP_MARK = b"\x00" + b"\x02" * 127 + b"\x01" * 128  # charmap octets: NUL, basic, 0x80 | extension
_EXT_MARK, _ESC_PAIR = b"\x01", bytes([ESCAPE, 1])  # an extension character as two septets, for cutting
_GSM_SINGLE, _GSM_MULTI = _SINGLE_MULTI[_GSM7]


@frozen(kw_only=True)
class Segments:
    """How a text splits into SMS parts.

    Attributes:
        encoding: smsc.Encoding.GSM7 or smsc.Encoding.UCS2.
        parts: The text of each part, in order; joined they give the (transliterated) text,
            cut after `max_parts` parts when `truncated`.
        count: Number of parts (billed SMS per recipient).
        units: Units of all parts: septets for GSM-7 (extension characters count two),
            UTF-16 code units for UCS-2 (characters outside the BMP count two).
        units_left: Units still free in the last part.
        capacity: Units per part: 160 / 70 for one SMS, 153 / 67 per part of a longer one.
        truncated: True when `max_parts` cut the text.
    """

    encoding: Encoding
    parts: tuple[str, ...]
    count: int
    units: int
    units_left: int
    capacity: int
    truncated: bool = False

    @property
    def text(self) -> str:
        """The text that is sent: the parts joined."""
        return "".join(self.parts)

    @property
    def unit(self) -> str:
        """What `units` counts: septet or UTF-16 code unit."""
        return CAPACITY[self.encoding].unit


def segments(
    message: str,
    *,
    translit: Translit | None = Translit.NONE,
    max_parts: int | None = None,
    encoding: Encoding | None = None,
) -> Segments:
    """Split a message into SMS parts exactly as the service counts them, offline.

    Args:
        message: The text.
        translit: Transliteration applied first, as the service's `translit` does.
        max_parts: Keep at most this many parts; the rest is cut, as the service's `maxsms` does
            (with 1, the text is cut to what one SMS holds: 160 septets or 70 units).
        encoding: Force GSM7 or UCS2 instead of choosing; a text GSM-7 cannot carry is refused.

    An empty text is one empty part. Raises smsc.InvalidRequest for a bad argument or a text
    the encoding cannot carry (a lone surrogate cannot be sent at all).
    """
    text = _prepare(message, translit, max_parts, encoding)
    enc, units, cut = _measure(text, encoding)
    single, multi = _SINGLE_MULTI[enc]
    if units <= single:
        return Segments(encoding=enc, parts=(text,), count=1, units=units, units_left=single - units, capacity=single)
    parts, sizes = _split(text, enc, multi, cut)
    truncated = max_parts is not None and len(parts) > max_parts
    if truncated and max_parts == 1:
        first, first_size = _split(text, enc, single, cut)
        return Segments(
            encoding=enc,
            parts=(first[0],),
            count=1,
            units=first_size[0],
            units_left=single - first_size[0],
            capacity=single,
            truncated=True,
        )
    if truncated:
        parts, sizes = parts[:max_parts], sizes[:max_parts]
    return Segments(
        encoding=enc,
        parts=tuple(parts),
        count=len(parts),
        units=sum(sizes),
        units_left=multi - sizes[-1],
        capacity=multi,
        truncated=truncated,
    )


def count_parts(
    message: str,
    *,
    translit: Translit | None = Translit.NONE,
    max_parts: int | None = None,
    encoding: Encoding | None = None,
) -> tuple[Encoding, int]:
    """(encoding, number of parts) of a message: segments() without building the parts."""
    if translit is not _NONE or max_parts is not None or encoding is not None or type(message) is not str:
        message = _prepare(message, translit, max_parts, encoding)
    elif message.isascii():  # the common case inline: ASCII, every character one septet
        data = message.encode("ascii")
        if data.translate(_LATIN1_MARK) is data and 0 not in data:  # unchanged: no mark but NUL's own 0x00
            length = len(message)
            return _GSM7, 1 if length <= _GSM_SINGLE else -(-length // _GSM_MULTI)
    enc, units, cut = _measure(message, encoding)
    single, multi = _SINGLE_MULTI[enc]
    if units <= single:
        count = 1
    elif cut is None:
        count = -(-units // multi)
    else:
        count = len(_ends(cut, enc, multi))
    return enc, count if max_parts is None else min(count, max_parts)


def split_units(data: bytes, encoding: Encoding, capacity: int) -> list[bytes]:
    """Encoded text cut greedily into chunks of at most `capacity` units (the fewest chunks).

    `data` is unpacked GSM-7 septets, UTF-16BE or binary octets. A GSM-7 escape pair or a
    UTF-16 surrogate pair that would straddle a cut moves whole to the next chunk.
    """
    ends = _ends(data, encoding, capacity)
    return [data[start:end] for start, end in zip([0, *ends], ends, strict=False)]


def describe(text: str, *, translit: Translit | None = Translit.NONE, max_parts: int | None = None) -> dict[str, Any]:
    """The split of a text as plain, JSON-ready data, with a one-line `summary` (for `smsc segments`)."""
    seg = segments(text, translit=translit, max_parts=max_parts)
    unit = seg.unit + ("" if seg.units == 1 else "s")
    where, per = ("the last part", "part") if seg.count > 1 else ("the message", "SMS")
    summary = (
        f"{seg.count} SMS, {_NAMES[seg.encoding]}: {seg.units} {unit}, {seg.units_left} left in {where} "
        f"({seg.capacity} per {per})"
    )
    if seg.truncated:
        summary += f"; cut to {max_parts} part{'s' if max_parts != 1 else ''}"
    return {
        "summary": summary,
        "encoding": seg.encoding.name,
        "characters": len(text),
        "count": seg.count,
        "units": seg.units,
        "unit": seg.unit,
        "units_left": seg.units_left,
        "capacity": seg.capacity,
        "truncated": seg.truncated,
        "parts": list(seg.parts),
    }


def _prepare(message: object, translit: Translit | None, max_parts: int | None, encoding: Encoding | None) -> str:
    if type(message) is not str and not isinstance(message, str):
        raise InvalidRequest(f"message: must be a string, got {type(message).__name__}")
    if max_parts is not None:
        _p.integer(max_parts, "max_parts", 1, _p.MAX_MESSAGE)
    if encoding is not None and encoding not in _TEXT_ENCODINGS:
        raise InvalidRequest(f"encoding: {encoding!r} is not smsc.Encoding.GSM7 or smsc.Encoding.UCS2")
    if translit is None or translit is Translit.NONE:
        return message
    return transliterate(message, translit)


def _measure(text: str, encoding: Encoding | None) -> tuple[Encoding, int, bytes | None]:
    """(encoding, units, cut): `cut` is None when every character is one unit, else the octets to
    cut so that no pair is split (extension characters as ESC + 0x01, or the UTF-16BE text)."""
    if encoding is not _UCS2:
        marks = _gsm_marks(text)
        if marks is not None:
            if 1 not in marks:
                return _GSM7, len(text), None
            return _GSM7, len(text) + marks.count(1), marks.replace(_EXT_MARK, _ESC_PAIR)
        if encoding is _GSM7:
            raise unencodable(text, "GSM-7")
    try:
        data = text.encode("utf-16-be")
    except UnicodeEncodeError:
        raise unencodable(text, "UCS-2") from None
    units = len(data) >> 1
    return _UCS2, units, None if units == len(text) else data


def _gsm_marks(text: str) -> bytes | None:
    """The marks of a GSM-7 text, or None when a character is not in GSM-7."""
    if text.isascii():
        data = text.encode("ascii")
    elif _NOT_GSM_SEARCH(text, 0, _PEEK) is not None:
        return None
    else:
        data = text.encode("latin-1", "ignore")
        if len(data) != len(text):  # beyond Latin-1: Greek capitals, the euro sign, or not GSM-7
            try:
                raw: bytes = codecs.charmap_encode(text, "strict", ENCODING_MAP)[0]
            except UnicodeEncodeError:
                return None
            data = raw.translate(_CHARMAP_MARK)
            return None if 0 in data else data
    marks = data.translate(_LATIN1_MARK)
    return None if 0 in marks else marks


def _ends(data: bytes, encoding: Encoding, capacity: int) -> list[int]:
    """Where each chunk ends: one step per part, never per character."""
    size = capacity * 2 if encoding is _UCS2 else capacity
    ends: list[int] = []
    start, length = 0, len(data)
    while length - start > size:
        end = start + size
        if encoding is _GSM7 and data[end - 1] == ESCAPE:
            end -= 1
        elif encoding is _UCS2 and 0xD8 <= data[end - 2] <= 0xDB:
            end -= 2
        ends.append(end)
        start = end
    ends.append(length)
    return ends


def _split(text: str, encoding: Encoding, capacity: int, cut: bytes | None) -> tuple[list[str], list[int]]:
    """Parts of at most `capacity` units and the units of each."""
    if cut is None:
        parts = [text[i : i + capacity] for i in range(0, len(text), capacity)] or [text]
        return parts, [len(part) for part in parts]
    chunks = split_units(cut, encoding, capacity)
    if encoding is _UCS2:
        return [c.decode("utf-16-be") for c in chunks], [len(c) >> 1 for c in chunks]
    parts, start = [], 0
    for chunk in chunks:
        end = start + len(chunk) - chunk.count(ESCAPE)
        parts.append(text[start:end])
        start = end
    return parts, [len(c) for c in chunks]
