"""Small shared types: message ids and Moscow time."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import TypeAlias

MessageId: TypeAlias = int | str
"""A message id: 1..2147483647, or up to 40 characters of A-Z a-z 0-9 . - _."""

MSK = timezone(timedelta(hours=3), "MSK")
"""Moscow time, in which the service writes its dates."""


def message_id(text: str) -> MessageId:
    """A message id as the wire spells it: an int for a decimal number without a leading zero, else the text."""
    return int(text) if text.isdigit() and text[0] != "0" else text
