"""Wire primitives the generated PDU classes use: C-Octet strings, octet strings, TLVs, errors.

Decoding is lenient where SMPP allows it (unknown TLVs kept raw) and strict elsewhere: every
malformed byte sequence becomes a PduError naming the field. Encoding is strict: a value that
does not fit its field raises smsc.InvalidRequest before anything is sent.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from attrs import frozen

from smsc._exceptions import InvalidRequest
from smsc.smpp._constants import CommandStatus
from smsc.smpp._errors import PduError

HEADER = struct.Struct(">IIII")
TLV_HEADER = struct.Struct(">HH")
RESPONSE_BIT = 0x80000000
_INT_SIZES = {"int1": 1, "int2": 2, "int4": 4}


class Pdu:
    """Base of every PDU class (generated, one per command in spec/smpp.yaml)."""

    __slots__ = ()
    command_id: ClassVar[int]
    command_name: ClassVar[str]
    is_response: ClassVar[bool]
    sequence_number: int
    command_status: int

    def encode(self, sequence_number: int | None = None) -> bytes:
        """The PDU as bytes; `sequence_number` overrides the attribute."""
        raise NotImplementedError

    @classmethod
    def decode_body(cls, data: bytes, sequence_number: int, command_status: int) -> Pdu:
        """The PDU from the octets after its header."""
        raise NotImplementedError


@frozen
class Tlv:
    """An optional parameter the codec does not expose by name, kept as raw bytes (order preserved)."""

    tag: int
    value: bytes

    def encode(self) -> bytes:
        """Tag, length and value as bytes; InvalidRequest for a value over 65535 bytes."""
        if not isinstance(self.value, bytes) or len(self.value) > 0xFFFF:
            raise InvalidRequest(f"TLV 0x{self.tag:04X}: value must be at most 65535 bytes")
        try:
            return TLV_HEADER.pack(self.tag, len(self.value)) + self.value
        except struct.error:
            raise InvalidRequest(f"TLV tag {self.tag!r} is not 0..0xFFFF") from None


# --- encoding -----------------------------------------------------------------------------------


def cstr(value: str, limit: int, where: str) -> bytes:
    """A C-Octet String of at most `limit` octets, the NUL included."""
    if value == "":  # the common empty field (service_type, times), without encoding anything
        return b"\0"
    try:
        raw = value.encode("latin-1")
    except (UnicodeEncodeError, AttributeError):
        raise InvalidRequest(f"{where}: {value!r} is not a Latin-1 string") from None
    if len(raw) >= limit:
        raise InvalidRequest(f"{where}: {len(raw)} characters, at most {limit - 1}")
    if b"\0" in raw:
        raise InvalidRequest(f"{where}: must not contain NUL")
    return raw + b"\0"


def time(value: str, where: str) -> bytes:
    """An SMPP time: empty, or 16 characters YYMMDDhhmmsstnnp."""
    if value and (
        not isinstance(value, str)
        or len(value) != 16
        or value[15] not in "+-R"
        or not value[:15].isdigit()
        or not value.isascii()
    ):
        raise InvalidRequest(f"{where}: {value!r} is not empty or YYMMDDhhmmsstnn followed by +, - or R")
    return cstr(value, 17, where)


def octets(value: bytes, limit: int, size: int, where: str) -> bytes:
    """An Octet String preceded by its length in `size` octets."""
    if not isinstance(value, bytes | bytearray):
        raise InvalidRequest(f"{where}: expected bytes, got {type(value).__name__}")
    if len(value) > limit:
        raise InvalidRequest(f"{where}: {len(value)} octets, at most {limit}")
    return len(value).to_bytes(size, "big") + bytes(value)


def bad_ints(pdu: object, names: Iterable[tuple[str, str]], where: str) -> InvalidRequest:
    """The error for the first integer attribute that does not fit its field."""
    for name, kind in names:
        value = getattr(pdu, name)
        limit = 256 ** _INT_SIZES[kind]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < limit:
            return InvalidRequest(f"{where}.{name}: {value!r} is not an integer 0..{limit - 1}")
    return InvalidRequest(f"{where}: a header value does not fit 4 octets")


def tlv_int(tag: int, value: int, kind: str, where: str) -> bytes:
    size = _INT_SIZES[kind]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 256**size:
        raise InvalidRequest(f"{where}: {value!r} is not an integer 0..{256**size - 1}")
    return TLV_HEADER.pack(tag, size) + value.to_bytes(size, "big")


def tlv_cstr(tag: int, value: str, limit: int, where: str) -> bytes:
    raw = cstr(value, limit, where)
    return TLV_HEADER.pack(tag, len(raw)) + raw


def tlv_octets(tag: int, value: bytes, limit: int, size: int | None, where: str) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise InvalidRequest(f"{where}: expected bytes, got {type(value).__name__}")
    if size is not None and len(value) != size:
        raise InvalidRequest(f"{where}: {len(value)} octets, exactly {size} expected")
    if len(value) > limit:
        raise InvalidRequest(f"{where}: {len(value)} octets, at most {limit}")
    return TLV_HEADER.pack(tag, len(value)) + bytes(value)


def other_tlvs(tlvs: tuple[Tlv, ...], where: str) -> bytes:
    if not isinstance(tlvs, tuple) or not all(isinstance(t, Tlv) for t in tlvs):
        raise InvalidRequest(f"{where}.other_tlvs: expected a tuple of smsc.smpp.Tlv")
    return b"".join(t.encode() for t in tlvs)


def check_message(pdu: Any, where: str) -> None:
    """Rules of §4.4.1 and §5.2.12: never both payload fields; SAR and port TLVs never with a UDH."""
    short_message: bytes = getattr(pdu, "short_message", b"")
    if pdu.message_payload is not None and short_message:
        raise InvalidRequest(f"{where}: give short_message or message_payload, not both")
    esm = pdu.esm_class
    if (
        isinstance(esm, int)
        and esm & 0x40
        and not (
            pdu.sar_msg_ref_num is None
            and pdu.sar_total_segments is None
            and pdu.sar_segment_seqnum is None
            and pdu.source_port is None
            and pdu.destination_port is None
        )
    ):
        raise InvalidRequest(f"{where}: SAR and port TLVs cannot be combined with a UDH (esm_class 0x40)")


# --- decoding -----------------------------------------------------------------------------------


def bad_cstr(data: bytes, pos: int, limit: int, where: str, status: int) -> PduError:
    """The error for a C-Octet String with no NUL within its `limit` octets."""
    if data.find(b"\0", pos) < 0:
        return PduError("missing terminating NUL", raw=data, field=where, status=status)
    return PduError(f"longer than {limit - 1} characters", raw=data, field=where, status=status)


def short(data: bytes, where: str, status: int) -> PduError:
    """The error for a body that ends before this field."""
    return PduError("the body ends before this field", raw=data, field=where, status=status)


def over(data: bytes, where: str, length: int, limit: int, status: int) -> PduError:
    return PduError(f"{length} octets, at most {limit}", raw=data, field=where, status=status)


# A TLV the PDU exposes by name: (attribute, type, max, exact size).
TlvCodec = tuple[str, str, int, int | None]


def decode_tlvs(
    data: bytes, pos: int, known: Mapping[int, TlvCodec], where: str
) -> tuple[dict[str, Any], tuple[Tlv, ...]]:
    """The TLVs from `pos` to the end: named values, and the others raw in order."""
    values: dict[str, Any] = {}
    others: list[Tlv] = []
    end = len(data)
    while pos < end:
        if pos + 4 > end:
            raise PduError(
                "a TLV header is cut short", raw=data, field=f"{where}.tlv", status=CommandStatus.ESME_RINVOPTPARSTREAM
            )
        tag, length = TLV_HEADER.unpack_from(data, pos)
        pos += 4
        if pos + length > end:
            raise PduError(
                f"length {length} runs past the end of the PDU",
                raw=data,
                field=f"{where}.tlv[0x{tag:04X}]",
                status=CommandStatus.ESME_RINVOPTPARSTREAM,
            )
        value = data[pos : pos + length]
        pos += length
        codec = known.get(tag)
        if codec is None or codec[0] in values:
            others.append(Tlv(tag, value))
            continue
        name, kind, limit, size = codec
        field = f"{where}.{name}"
        if kind in _INT_SIZES:
            if length != _INT_SIZES[kind]:
                raise PduError(
                    f"{length} octets, {_INT_SIZES[kind]} expected",
                    raw=data,
                    field=field,
                    status=CommandStatus.ESME_RINVPARLEN,
                )
            values[name] = int.from_bytes(value, "big")
        elif kind == "cstr":
            if not value or value[-1] != 0:
                raise PduError(
                    "missing terminating NUL", raw=data, field=field, status=CommandStatus.ESME_RINVOPTPARAMVAL
                )
            if length > limit or 0 in value[:-1]:
                raise PduError(
                    f"not a C-Octet String of at most {limit - 1} characters",
                    raw=data,
                    field=field,
                    status=CommandStatus.ESME_RINVPARLEN,
                )
            values[name] = value[:-1].decode("latin-1")
        else:
            if (size is not None and length != size) or length > limit:
                expected = f"exactly {size}" if size is not None else f"at most {limit}"
                raise PduError(
                    f"{length} octets, {expected} expected", raw=data, field=field, status=CommandStatus.ESME_RINVPARLEN
                )
            values[name] = value
    return values, tuple(others)
