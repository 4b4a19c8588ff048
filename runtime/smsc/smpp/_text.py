"""A text as submit_sm parts: the project's GSM-7/UCS-2 choice and splitting, in one of three modes.

- "udh" (default): each part's short_message starts with a concatenation header (esm_class 0x40);
  an 8-bit reference up to 255, a 16-bit one above (smsc.text._udh.encode_parts).
- "sar": the same parts without a header; the SAR TLVs carry reference, total and place.
- "payload": the whole text in message_payload (sm_length 0); the SMSC splits it.

A text that fits one SMS always goes as a single plain short_message. Parts are cut exactly where
smsc.segments() cuts them for counting (never inside an escape or a surrogate pair), so an SMPP
send is billed as the HTTP estimate says. GSM-7 septets travel unpacked, one per octet.
"""

from __future__ import annotations

from typing import Literal

from attrs import frozen

from smsc._enums import Encoding
from smsc._exceptions import InvalidRequest
from smsc.text._gsm import encode_gsm7, encode_ucs2
from smsc.text._segments import count_parts, split_units
from smsc.text._tables import CAPACITY
from smsc.text._udh import MAX_PARTS, encode_parts

LongMode = Literal["udh", "sar", "payload"]
UDHI = 0x40  # esm_class bit: short_message (or message_payload) starts with a user data header
FLASH = 0x10  # data_coding bits: message class 0 (shown at once, not stored)
_FORCED = {"auto": None, "gsm7": Encoding.GSM7, "ucs2": Encoding.UCS2}


@frozen(kw_only=True)
class Part:
    """What one submit_sm carries of the text."""

    short_message: bytes = b""
    message_payload: bytes | None = None
    esm_class: int = 0
    sar_msg_ref_num: int | None = None
    sar_total_segments: int | None = None
    sar_segment_seqnum: int | None = None


@frozen(kw_only=True)
class Split:
    """A text ready for submit_sm: its data_coding and the parts in order."""

    data_coding: int
    encoding: Encoding
    parts: tuple[Part, ...]


def split_message(
    text: str,
    *,
    encoding: Literal["auto", "gsm7", "ucs2"] = "auto",
    mode: LongMode = "udh",
    reference: int = 1,
    flash: bool = False,
) -> Split:
    """Encode and split `text` for SMPP; InvalidRequest for a text the encoding cannot carry."""
    if not isinstance(text, str):
        raise InvalidRequest(f"text: expected a string, got {type(text).__name__}")
    if encoding not in _FORCED:
        raise InvalidRequest(f"encoding: {encoding!r} is not auto, gsm7 or ucs2")
    if mode not in ("udh", "sar", "payload"):
        raise InvalidRequest(f"long_messages: {mode!r} is not udh, sar or payload")
    forced = _FORCED[encoding]
    if mode == "udh":
        chosen, chunks = encode_parts(text, reference, encoding=forced)
        if len(chunks) == 1:
            parts: tuple[Part, ...] = (Part(short_message=chunks[0]),)
        else:
            parts = tuple(Part(short_message=c, esm_class=UDHI) for c in chunks)
    else:
        chosen, _ = count_parts(text, encoding=forced)
        payload = encode_gsm7(text) if chosen is Encoding.GSM7 else encode_ucs2(text)
        width = 2 if chosen is Encoding.UCS2 else 1
        capacity = CAPACITY[chosen]
        if len(payload) // width <= capacity.single:
            parts = (Part(short_message=payload),)
        elif mode == "payload":
            if len(payload) > 0xFFFF:
                raise InvalidRequest(f"text: {len(payload)} octets, message_payload holds at most 65535")
            parts = (Part(message_payload=payload),)
        else:
            chunks = tuple(split_units(payload, chosen, capacity.multi))
            if len(chunks) > MAX_PARTS:
                raise InvalidRequest(f"text: needs {len(chunks)} parts; SAR allows at most {MAX_PARTS}")
            ref = (reference - 1) % 0xFFFF + 1
            parts = tuple(
                Part(short_message=c, sar_msg_ref_num=ref, sar_total_segments=len(chunks), sar_segment_seqnum=i)
                for i, c in enumerate(chunks, 1)
            )
    data_coding = int(chosen) | (FLASH if flash else 0)
    return Split(data_coding=data_coding, encoding=chosen, parts=parts)
