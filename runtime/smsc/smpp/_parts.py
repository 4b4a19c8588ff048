"""Reading one PDU of a short message: its place in a concatenated message, and the text it carries.

One reading for both directions: the client's incoming deliver_sm / data_sm and the emulator's
submit_sm. A place comes from a concatenation header (esm_class UDHI, in short_message or
message_payload) or from the SAR TLVs; a header or TLVs that name no valid place are a
`PartError` whose `status` is the SMPP answer to give.
"""

from __future__ import annotations

from smsc._exceptions import InvalidRequest
from smsc.smpp._constants import CommandStatus
from smsc.smpp._pdus import DataSm, DeliverSm, SubmitSm
from smsc.smpp._text import UDHI
from smsc.text._gsm import decode_gsm7, decode_ucs2
from smsc.text._udh import parse_udh

Place = tuple[int, int, int]
"""(reference, total, sequence) of one part of a concatenated message."""


class PartError(InvalidRequest):
    """A concatenation header or SAR TLVs that name no valid place; `status` is the answer."""

    def __init__(self, message: str, status: CommandStatus) -> None:
        super().__init__(message)
        self.status = status


def place_and_payload(pdu: SubmitSm | DeliverSm | DataSm) -> tuple[Place | None, bytes]:
    """The part's place (None: a whole message) and its payload without a header."""
    if pdu.message_payload is not None:
        data = pdu.message_payload
    else:
        data = b"" if isinstance(pdu, DataSm) else pdu.short_message
    if pdu.esm_class & UDHI:
        try:
            concat, body = parse_udh(data)
        except InvalidRequest as exc:
            raise PartError(str(exc), CommandStatus.ESME_RINVMSGLEN) from None
        return (None if concat is None else (concat.reference, concat.total, concat.sequence)), body
    reference, total, sequence = pdu.sar_msg_ref_num, pdu.sar_total_segments, pdu.sar_segment_seqnum
    if reference is None and total is None and sequence is None:
        return None, data
    if reference is None or total is None or sequence is None:
        raise PartError("SAR TLVs: reference, total and sequence go together", CommandStatus.ESME_RMISSINGOPTPARAM)
    if not 1 <= sequence <= total:
        place = f"part {sequence} of {total}"
        raise PartError(f"SAR TLVs: {place} is not a valid place", CommandStatus.ESME_RINVOPTPARAMVAL)
    return (reference, total, sequence), data


def decode_text(data_coding: int, data: bytes) -> str | None:
    """The text of a payload in its data_coding; None for binary codings."""
    if data_coding & 0xF0 == 0xF0:  # coding group 1111: bit 2 is 8-bit data, else GSM-7
        return None if data_coding & 0x04 else decode_gsm7(data, errors="replace")
    if data_coding & 0xF0 == 0x10:  # group 0001 (with a message class): bits 3-2 are the alphabet
        alphabet = {0: 0, 2: 8}.get((data_coding >> 2) & 0x03)  # GSM-7, UCS-2; else 8-bit data
        if alphabet is None:
            return None
        coding = alphabet
    else:
        coding = data_coding
    if coding == 0:
        return decode_gsm7(data, errors="replace")
    if coding == 8:
        return decode_ucs2(data, errors="replace")
    if coding in (1, 3):
        return data.decode("latin-1")
    return None


def is_flash(data_coding: int) -> bool:
    """Message class 0 (shown at once, not stored), in coding group 0001 or 1111."""
    return data_coding & 0xF0 in (0x10, 0xF0) and data_coding & 0x03 == 0
