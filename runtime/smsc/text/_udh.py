"""Concatenated SMS: the user data header of each part, splitting a payload and joining it again.

A part of a long message starts with a header naming the message (a reference), the number of
parts and its own place: `05 00 03 RR TT SS` with an 8-bit reference, `06 08 04 RH RL TT SS` with
a 16-bit one (3GPP TS 23.040 §9.2.3.24). Over SMPP the part travels in `short_message` with UDHI set
(esm_class 0x40); GSM-7 septets stay unpacked, one per octet.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from smsc._enums import Encoding, Translit
from smsc._exceptions import InvalidRequest
from smsc.text._gsm import as_bytes, encode_gsm7, encode_ucs2
from smsc.text._segments import count_parts, split_units
from smsc.text._tables import CAPACITY, PART_CAPACITY, UDH
from smsc.text._translit import transliterate

__all__ = ["Concat", "encode_parts", "join_udh", "parse_udh", "split_udh", "udh_header"]

MAX_PARTS = 255
_SIZE_BY_IEI = {udh.iei: size for size, udh in UDH.items()}


@frozen(kw_only=True)
class Concat:
    """The concatenation header of one part.

    Attributes:
        reference: Identifies the message among others to the same recipient.
        total: Number of parts (1..255).
        sequence: This part's place, from 1.
        wide: True for a 16-bit reference (7-octet header), False for an 8-bit one (6 octets).
    """

    reference: int
    total: int
    sequence: int
    wide: bool = False


def udh_header(reference: int, total: int, sequence: int, *, wide: bool = False) -> bytes:
    """The user data header of one part, its length octet (UDHL) included."""
    udh = UDH[2 if wide else 1]
    _int(reference, "reference", 0, 256**udh.reference_octets - 1)
    _int(total, "total", 1, MAX_PARTS)
    _int(sequence, "sequence", 1, total)
    body = bytes([udh.iei, udh.reference_octets + 2]) + reference.to_bytes(udh.reference_octets, "big")
    return bytes([udh.octets - 1]) + body + bytes([total, sequence])


def split_udh(payload: bytes, encoding: Encoding, reference: int, *, wide: bool | None = None) -> tuple[bytes, ...]:
    """`short_message` octets for each part of an encoded message.

    `payload` is unpacked GSM-7 septets (encode_gsm7), UTF-16BE (encode_ucs2) or binary octets,
    as `encoding` says. A payload that fits one SMS comes back alone and without a header (send it
    without UDHI); otherwise every part starts with its header and holds at most 153 septets,
    67 UTF-16 units or 134 octets (152, 66, 133 with a 16-bit reference). An escape pair or a
    surrogate pair is never split. `wide=None` takes the 16-bit reference when `reference` > 255.
    """
    if not isinstance(encoding, Encoding):
        raise InvalidRequest(f"encoding: {encoding!r} is not a smsc.Encoding")
    data = _payload(payload, encoding)
    if wide is None:
        wide = isinstance(reference, int) and reference > 255
    width = 2 if encoding is Encoding.UCS2 else 1
    if len(data) // width <= CAPACITY[encoding].single:
        return (data,)
    chunks = split_units(data, encoding, PART_CAPACITY[encoding, 2 if wide else 1])
    if len(chunks) > MAX_PARTS:
        raise InvalidRequest(f"payload: needs {len(chunks)} parts; a concatenated message has at most {MAX_PARTS}")
    total = len(chunks)
    return tuple(udh_header(reference, total, i, wide=wide) + chunk for i, chunk in enumerate(chunks, 1))


def encode_parts(
    message: str,
    reference: int,
    *,
    encoding: Encoding | None = None,
    translit: Translit | None = Translit.NONE,
    wide: bool | None = None,
) -> tuple[Encoding, tuple[bytes, ...]]:
    """A text's encoding (chosen as smsc.segments() chooses it) and the `short_message` of each part."""
    if translit is not None and translit is not Translit.NONE:
        message = transliterate(message, translit)
    chosen, _ = count_parts(message, encoding=encoding)
    payload = encode_gsm7(message) if chosen is Encoding.GSM7 else encode_ucs2(message)
    return chosen, split_udh(payload, chosen, reference, wide=wide)


def parse_udh(short_message: bytes) -> tuple[Concat | None, bytes]:
    """The concatenation header of a `short_message` sent with UDHI, and the payload after the UDH.

    Other information elements are skipped; the header is None when there is no concatenation one.
    """
    data = as_bytes(short_message, "short_message")
    if not data:
        raise InvalidRequest("short_message: empty, but UDHI says a header comes first")
    end = 1 + data[0]
    if end > len(data):
        raise InvalidRequest(f"short_message: header length {data[0]} exceeds the {len(data) - 1} octets after it")
    found: Concat | None = None
    pos = 1
    while pos < end:
        if pos + 2 > end or pos + 2 + data[pos + 1] > end:
            raise InvalidRequest(f"short_message: information element at offset {pos} overruns the header")
        iei, length, value = data[pos], data[pos + 1], data[pos + 2 : pos + 2 + data[pos + 1]]
        size = _SIZE_BY_IEI.get(iei)
        if size is not None:
            if length != size + 2:
                raise InvalidRequest(f"short_message: concatenation element 0x{iei:02X} has length {length}")
            total, sequence = value[size], value[size + 1]
            if total == 0 or not 1 <= sequence <= total:
                raise InvalidRequest(f"short_message: part {sequence} of {total} is not a valid place")
            found = Concat(
                reference=int.from_bytes(value[:size], "big"), total=total, sequence=sequence, wide=size == 2
            )
        pos += 2 + length
    return found, data[end:]


def join_udh(parts: Iterable[bytes]) -> bytes:
    """The payload of a concatenated message from all of its parts, in any order.

    Every part must carry a concatenation header with the same reference and total, and every
    place from 1 to total must be there once.
    """
    found: dict[int, bytes] = {}
    first: Concat | None = None
    for index, part in enumerate(parts):
        concat, payload = parse_udh(part)
        if concat is None:
            raise InvalidRequest(f"parts[{index}]: no concatenation header")
        if first is None:
            first = concat
        elif (concat.reference, concat.total, concat.wide) != (first.reference, first.total, first.wide):
            raise InvalidRequest(
                f"parts[{index}]: belongs to another message (reference {concat.reference}, "
                f"{concat.total} parts; expected {first.reference}, {first.total})"
            )
        if concat.sequence in found:
            raise InvalidRequest(f"parts[{index}]: part {concat.sequence} given twice")
        found[concat.sequence] = payload
    if first is None:
        raise InvalidRequest("parts: none given")
    missing = [n for n in range(1, first.total + 1) if n not in found]
    if missing:
        raise InvalidRequest(f"parts: missing part(s) {missing} of {first.total}")
    return b"".join(found[n] for n in range(1, first.total + 1))


def _payload(payload: object, encoding: Encoding) -> bytes:
    data = as_bytes(payload, "payload")
    if encoding is Encoding.GSM7 and not data.isascii():
        raise InvalidRequest("payload: GSM-7 septets are 0x00..0x7F (give them unpacked, one per octet)")
    if encoding is Encoding.UCS2 and len(data) % 2:
        raise InvalidRequest(f"payload: {len(data)} octets is not a whole number of UTF-16 units")
    return data


def _int(value: object, name: str, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidRequest(f"{name}: {value!r} is outside {lo}..{hi}")
