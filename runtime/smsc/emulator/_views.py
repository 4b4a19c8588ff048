"""The emulator's records as JSON-ready data, for the control API and the web inbox.

A message carries its key (the store's row number, unique even when ids repeat), its parts as
the phone shows them with their encoding and the characters left, and its status history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from smsc._enums import DeliveryError, MessageFormat, MessageStatus
from smsc._exceptions import InvalidRequest
from smsc.emulator._faults import Fault
from smsc.emulator._incoming import Incoming
from smsc.emulator._records import Account, Message
from smsc.text._estimate import billed_parts
from smsc.text._segments import segments

ENCODING_NAMES = {"GSM7": "GSM-7", "UCS2": "UCS-2", "BINARY": "8-bit"}


def _time(at: datetime) -> str:
    return at.isoformat()


def status_data(status: MessageStatus) -> dict[str, Any]:
    return {"code": int(status), "name": status.name, "label": status.label, "final": status.is_final}


def error_data(error: DeliveryError) -> dict[str, Any]:
    return {"code": int(error), "name": error.name}


def parts_data(message: Message) -> dict[str, Any]:
    """How the text reaches the phone: the parts, their encoding and what is left in the last one.

    Kinds billed per recipient (HLR, e-mail, Viber, ...) and binary kinds have no text parts.
    """
    kind = message.format
    if kind.per_recipient:
        return {"encoding": None, "count": 1, "parts": [message.text] if message.text else [], "chars_left": None}
    try:
        encoding, count = billed_parts(message.text, kind, message.translit, message.max_parts)
        if encoding is not None and encoding.name == "BINARY":
            return {"encoding": "8-bit", "count": count, "parts": [message.text], "chars_left": None}
        seg = segments(message.text, translit=message.translit, max_parts=message.max_parts)
    except InvalidRequest:
        return {"encoding": None, "count": message.parts, "parts": [message.text], "chars_left": None}
    return {
        "encoding": ENCODING_NAMES[seg.encoding.name],
        "count": seg.count,
        "parts": list(seg.parts),
        "units": seg.units,
        "capacity": seg.capacity,
        "chars_left": seg.units_left,
        "truncated": seg.truncated,
    }


def message_data(key: int, message: Message) -> dict[str, Any]:
    return {
        "key": key,
        "id": message.id,
        "login": message.login,
        "phone": message.phone,
        "sender": message.sender,
        "text": message.text,
        "translit": message.translit.name.lower(),
        "max_parts": message.max_parts,
        "format": message.format.name.lower(),
        "billed_parts": message.parts,
        "cost": str(message.cost),
        "sent_at": _time(message.sent_at),
        "due_at": _time(message.due_at),
        "status": status_data(message.status),
        "error": error_data(message.error),
        "segments": parts_data(message),
        "history": [
            {"at": _time(h.at), "status": status_data(h.status), "error": error_data(h.error)} for h in message.history
        ],
        "attachments": [
            {"name": a.name, "filename": a.filename, "content_type": a.content_type, "size": len(a.data)}
            for a in message.attachments
        ],
    }


def account_data(account: Account) -> dict[str, Any]:
    """An account without its password; whether it has an API key, never the key."""
    return {
        "login": account.login,
        "balance": str(account.balance),
        "price": str(account.price),
        "currency": account.currency,
        "sender": account.sender,
        "has_api_key": account.api_key is not None,
        "callback_url": account.callback_url,
    }


def fault_data(number: int, rule: Fault) -> dict[str, Any]:
    return {
        "id": number,
        "kind": rule.kind,
        "command": rule.command,
        "count": rule.count,
        "probability": rule.probability,
        "seconds": rule.seconds,
        "status": rule.status,
        "fired": rule.fired,
    }


def incoming_data(message: Incoming) -> dict[str, Any]:
    return {
        "id": message.id,
        "login": message.login,
        "phone": message.phone,
        "to": message.to,
        "text": message.text,
        "received_at": _time(message.received_at),
    }


def format_names() -> list[str]:
    return [kind.name.lower() for kind in MessageFormat]
