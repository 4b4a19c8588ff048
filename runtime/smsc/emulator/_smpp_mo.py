"""Incoming messages over SMPP: what `emulator.receive()` stores goes to a receiver bind as deliver_sm.

A message for a login waits (at most `limit` per login, oldest dropped first) until that login has
a receiver or transceiver bind, then goes out as one deliver_sm per part: GSM-7 or UCS-2 as the
SDK counts it, long ones with a concatenation header (esm_class 0x40), the phone as the source and
the account's number as the destination, as an SMSC delivers a mobile-originated message.
"""

from __future__ import annotations

from collections import deque
from itertools import count

from smsc._enums import Encoding
from smsc.emulator._incoming import Incoming
from smsc.smpp._pdus import DeliverSm
from smsc.smpp._text import UDHI
from smsc.text._udh import encode_parts


def mo_pdus(incoming: Incoming, reference: int) -> list[DeliverSm]:
    """The deliver_sm PDUs that carry one incoming message."""
    encoding, parts = encode_parts(incoming.text, reference % 256)
    coding = 0 if encoding is Encoding.GSM7 else 8
    return [
        DeliverSm(
            source_addr_ton=1,
            source_addr_npi=1,
            source_addr=incoming.phone,
            dest_addr_ton=1 if incoming.to.isdigit() else 5,
            dest_addr_npi=1,
            destination_addr=incoming.to,
            esm_class=UDHI if len(parts) > 1 else 0,
            data_coding=coding,
            short_message=part,
        )
        for part in parts
    ]


class MobileOriginated:
    """The incoming messages waiting for a receiver bind, per login."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._waiting: dict[str, deque[Incoming]] = {}
        self._references = count(1)

    def add(self, incoming: Incoming) -> None:
        """Queue one message for its login."""
        self._waiting.setdefault(incoming.login, deque(maxlen=self.limit)).append(incoming)

    def take(self, login: str) -> list[list[DeliverSm]]:
        """Every waiting message of `login`, as the PDUs of each, oldest first."""
        queue = self._waiting.pop(login, None)
        return [mo_pdus(incoming, next(self._references)) for incoming in queue or ()]

    def logins(self) -> list[str]:
        """Logins with messages waiting."""
        return list(self._waiting)
