"""Delivery receipts: deliver_sm (or data_sm) -> Receipt with an smsc.MessageStatus, and back.

Reading is lenient, as SMSCs differ (docs/api-reference.md#smpp): TLVs first (receipted_message_id,
message_state, network_error_code, SMSC's vendor TLVs), then the text's key:value pairs with
case-insensitive keys, 10- or 12-digit dates, ids of any length, an optional `text` and extra
keys kept (SMSC's HLR receipts add imsi, msc, mcc, mnc, cn, net, rcn, rnet). Writing follows the
spec's Appendix B form (the emulator's receipts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation

from attrs import field, frozen

from smsc._enums import MessageStatus
from smsc._exceptions import ProtocolError
from smsc._types import MSK
from smsc.smpp._constants import (
    RECEIPT_DATE_FORMATS,
    RECEIPT_TEMPLATE,
    RECEIPT_TEXT_LENGTH,
    STAT_STATES,
    STATUS_STATES,
    MessageState,
)
from smsc.smpp._pdus import DataSm, DeliverSm

RECEIPT_FLAG = 0x04  # esm_class bits 5-2 of an SMSC delivery receipt
_KEY = re.compile(r"(?i)(?:^|\s)(submit date|done date|[a-z_]+):")


@frozen(kw_only=True)
class Receipt:
    """A delivery receipt: what happened to a message the SMSC accepted.

    Attributes:
        message_id: The SMSC's id of the message (from submit_sm_resp).
        status: The same smsc.MessageStatus the HTTP status command reports.
        state: The SMPP message state (from the TLV, else from the text's `stat`).
        error: The `err` code of the text (a DeliveryError code for SMSC), when present.
        network_error: The network_error_code TLV (type + 2-octet code), when present.
        submitted_at: `submit date`, when present (in the client's receipt time zone).
        done_at: `done date`, when present.
        text: The first characters of the message, when the receipt carries them.
        phone: The recipient (the receipt's source address).
        cost: SMSC's vendor TLV 0x2000, when present.
        parts: SMSC's vendor TLV 0x2002 (number of parts), when present.
        fields: Every key:value of the text (HLR receipts add imsi, mcc, mnc, ...).
        pdu: The deliver_sm or data_sm it came in.
    """

    message_id: str
    status: MessageStatus
    state: MessageState
    error: int | None = None
    network_error: bytes | None = None
    submitted_at: datetime | None = None
    done_at: datetime | None = None
    text: str | None = None
    phone: str = ""
    cost: Decimal | None = None
    parts: int | None = None
    fields: Mapping[str, str] = field(factory=dict, hash=False)
    pdu: DeliverSm | DataSm | None = field(default=None, eq=False, repr=False)


def is_receipt(pdu: DeliverSm | DataSm) -> bool:
    """True for an SMSC delivery receipt (esm_class bits 5-2 = 0x04, or a receipted_message_id TLV)."""
    return (pdu.esm_class & 0x3C) == RECEIPT_FLAG or pdu.receipted_message_id is not None


def parse_text(text: str) -> dict[str, str]:
    """The key:value pairs of a receipt text; keys lower-case with `_` for spaces; `text` takes the rest."""
    matches = list(_KEY.finditer(text))
    out: dict[str, str] = {}
    for i, m in enumerate(matches):
        key = m.group(1).lower().replace(" ", "_")
        if key == "text":
            out[key] = text[m.end() :].strip()
            break
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        out.setdefault(key, text[m.end() : end].strip())
    return out


def _date(value: str | None, tz: tzinfo) -> datetime | None:
    if not value:
        return None
    for fmt in RECEIPT_DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def parse_receipt(pdu: DeliverSm | DataSm, tz: tzinfo = MSK) -> Receipt:
    """The receipt a deliver_sm or data_sm carries; ProtocolError when it names no message or state."""
    raw = pdu.message_payload if pdu.message_payload is not None else getattr(pdu, "short_message", b"")
    text = raw.decode("latin-1")
    values = parse_text(text)
    message_id = pdu.receipted_message_id if pdu.receipted_message_id is not None else values.get("id")
    if pdu.message_state is not None:
        state = MessageState(pdu.message_state)
    elif values.get("stat", "").upper() in STAT_STATES:
        state = STAT_STATES[values["stat"].upper()]
    else:
        state = None
    if not message_id or state is None:
        raise ProtocolError("a delivery receipt without a message id or a known state", raw=pdu.encode())
    cost = None
    if pdu.smsc_cost:
        try:
            cost = Decimal(pdu.smsc_cost)
        except InvalidOperation:
            cost = None
    return Receipt(
        message_id=message_id,
        status=state.status,
        state=state,
        error=_int(values.get("err")),
        network_error=pdu.network_error_code,
        submitted_at=_date(values.get("submit_date"), tz),
        done_at=_date(values.get("done_date"), tz),
        text=values.get("text"),
        phone=pdu.source_addr,
        cost=cost,
        parts=pdu.smsc_part_count,
        fields=values,
        pdu=pdu,
    )


def receipt_text(
    message_id: str,
    state: MessageState,
    *,
    submitted_at: datetime,
    done_at: datetime,
    error: int = 0,
    text: str = "",
    submitted: int = 1,
    delivered: int | None = None,
) -> str:
    """A receipt text in the spec's Appendix B form."""
    if delivered is None:
        delivered = submitted if state is MessageState.DELIVERED else 0
    return RECEIPT_TEMPLATE.format(
        id=message_id,
        sub=f"{submitted:03d}",
        dlvrd=f"{delivered:03d}",
        submit_date=submitted_at.strftime("%y%m%d%H%M"),
        done_date=done_at.strftime("%y%m%d%H%M"),
        stat=state.stat,
        err=f"{error:03d}",
        text=text[:RECEIPT_TEXT_LENGTH],
    )


def receipt_pdu(
    message_id: str,
    status: MessageStatus,
    *,
    phone: str,
    sender: str,
    submitted_at: datetime,
    done_at: datetime,
    error: int = 0,
    text: str = "",
    cost: Decimal | None = None,
    parts: int | None = None,
    kind: int | None = None,
) -> DeliverSm:
    """The deliver_sm an SMSC sends for a status change (text and TLVs, SMSC's vendor TLVs included)."""
    state = STATUS_STATES.get(status, MessageState.UNKNOWN)
    body = receipt_text(message_id, state, submitted_at=submitted_at, done_at=done_at, error=error, text=text)
    return DeliverSm(
        source_addr_ton=1,
        source_addr_npi=1,
        source_addr=phone,
        dest_addr_ton=5 if not sender.isdigit() else 1,
        dest_addr_npi=1,
        destination_addr=sender,
        esm_class=RECEIPT_FLAG,
        short_message=body.encode("latin-1", "replace"),
        receipted_message_id=message_id,
        message_state=int(state),
        network_error_code=bytes((3, error >> 8 & 0xFF, error & 0xFF)) if error else None,
        smsc_cost=f"{cost:.4f}"[:6].rstrip(".") if cost is not None else None,  # n.nnnn, at most 6 characters
        smsc_message_kind=kind,
        smsc_part_count=parts,
    )
