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

from smsc.smpp._parts import decode_text, place_and_payload
from smsc.smpp._pdus import DataSm, DeliverSm


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

        Raises `smsc.smpp._parts.PartError` for a part that names no valid place (answered with
        its status, so the SMSC does not wait for a message that can never complete).
        """
        self._expire(now)
        place, _ = place_and_payload(pdu)
        if place is None:
            return self._message((pdu,), at)
        reference, total, sequence = place
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
        data = b"".join(place_and_payload(p)[1] for p in pdus)
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
