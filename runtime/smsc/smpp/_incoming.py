"""Mobile-originated messages over SMPP: deliver_sm / data_sm that are not receipts, reassembled.

A long message arrives as several deliver_sm, each with a concatenation header (UDHI) or SAR
TLVs; `Reassembler` keeps the parts until the last one arrives and hands on one `MobileMessage`
with the whole text. Parts of messages that never complete are dropped after `max_age` seconds
(or beyond `max_pending` messages), so a lost part cannot grow memory without bound.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from attrs import field, frozen

from smsc._exceptions import InvalidRequest
from smsc.smpp._pdus import DataSm, DeliverSm
from smsc.text._gsm import decode_gsm7, decode_ucs2
from smsc.text._udh import parse_udh

UDHI = 0x40  # esm_class bit: short_message starts with a user data header


@frozen(kw_only=True)
class MobileMessage:
    """A message a phone sent to one of the account's numbers, as it came over SMPP.

    Attributes:
        phone: Who sent it (the PDU's source_addr).
        to: The number or short code it was sent to (destination_addr).
        text: The text, every part joined; None for binary data (see `data`).
        data: The payload octets (every part joined; UDH removed).
        data_coding: The PDU's data_coding (0 GSM-7, 8 UCS-2, 3 Latin-1, 4 binary, ...).
        parts: How many PDUs it arrived in.
        received_at: When its last part arrived (the client's clock, aware).
        pdus: The deliver_sm / data_sm PDUs, in part order.
    """

    phone: str
    to: str
    text: str | None
    data: bytes = field(repr=lambda b: f"<{len(b)} bytes>")
    data_coding: int
    parts: int
    received_at: datetime
    pdus: tuple[DeliverSm | DataSm, ...] = field(eq=False, repr=False)


def _payload(pdu: DeliverSm | DataSm) -> tuple[tuple[int, int, int] | None, bytes]:
    """((reference, total, sequence) or None, the payload without a header)."""
    if pdu.message_payload is not None:
        data = pdu.message_payload
    else:
        data = pdu.short_message if isinstance(pdu, DeliverSm) else b""
    if pdu.esm_class & UDHI:
        concat, body = parse_udh(data)
        return (None if concat is None else (concat.reference, concat.total, concat.sequence)), body
    if pdu.sar_msg_ref_num is not None and pdu.sar_total_segments and pdu.sar_segment_seqnum:
        return (pdu.sar_msg_ref_num, pdu.sar_total_segments, pdu.sar_segment_seqnum), data
    return None, data


def decode_text(data_coding: int, data: bytes) -> str | None:
    """The text of a payload in its data_coding; None for binary codings."""
    coding = data_coding & 0x0F if data_coding & 0xF0 in (0x10, 0xF0) else data_coding
    if data_coding & 0xF0 == 0xF0:  # coding group 1111: bit 2 is 8-bit data, else GSM-7
        return None if coding & 0x04 else decode_gsm7(data, errors="replace")
    if coding == 0:
        return decode_gsm7(data, errors="replace")
    if coding == 8:
        return decode_ucs2(data, errors="replace")
    if coding in (1, 3):
        return data.decode("latin-1")
    return None


class Reassembler:
    """Joins the parts of concatenated mobile-originated messages (see the module docstring)."""

    def __init__(self, *, max_pending: int = 10_000, max_age: float = 600.0) -> None:
        self.max_pending = max_pending
        self.max_age = max_age
        self.dropped = 0
        """Incomplete messages given up (too old, or too many pending)."""
        self._pending: OrderedDict[tuple[str, str, int, int], tuple[float, dict[int, DeliverSm | DataSm]]] = (
            OrderedDict()
        )

    def add(self, pdu: DeliverSm | DataSm, now: float, at: datetime) -> MobileMessage | None:
        """Take one PDU; the whole message once its last part is in, else None.

        Raises InvalidRequest for a part whose place is outside its message (answered with an
        error status, so the SMSC does not wait for a message that can never complete).
        """
        self._expire(now)
        concat, _ = _payload(pdu)
        if concat is None:
            return self._message((pdu,), at)
        reference, total, sequence = concat
        if not 1 <= sequence <= total:
            raise InvalidRequest(f"part {sequence} of {total}: outside its message")
        key = (pdu.source_addr, pdu.destination_addr, reference, total)
        started, parts = self._pending.get(key, (now, {}))
        parts[sequence] = pdu
        if len(parts) < total:
            self._pending[key] = (started, parts)
            self._pending.move_to_end(key)
            while len(self._pending) > self.max_pending:
                self._pending.popitem(last=False)
                self.dropped += 1
            return None
        self._pending.pop(key, None)
        return self._message(tuple(parts[i] for i in range(1, total + 1)), at)

    def _expire(self, now: float) -> None:
        while self._pending:
            key, (started, _) = next(iter(self._pending.items()))
            if now - started <= self.max_age:
                break
            del self._pending[key]
            self.dropped += 1

    @staticmethod
    def _message(pdus: tuple[DeliverSm | DataSm, ...], at: datetime) -> MobileMessage:
        first = pdus[0]
        data = b"".join(_payload(p)[1] for p in pdus)
        return MobileMessage(
            phone=first.source_addr,
            to=first.destination_addr,
            text=decode_text(first.data_coding, data),
            data=data,
            data_coding=first.data_coding,
            parts=len(pdus),
            received_at=at,
            pdus=pdus,
        )
