"""The service's `translit` (1: Cyrillic to Latin, 2: look-alike letters), applied offline.

The tables come from spec/text.yaml; every replacement is GSM-7, so a Russian or Kazakh text
becomes GSM-7 (160 characters per SMS instead of 70) unless it holds other non-GSM characters.
"""

from __future__ import annotations

import functools

from smsc._enums import Translit
from smsc._exceptions import InvalidRequest
from smsc.text._tables import TRANSLIT


@functools.cache
def _table(translit: Translit) -> list[str] | None:
    """The table of `translit` as a list indexed by code point (str.translate reads it faster than
    a dict; characters past its end raise IndexError there, which keeps them as they are); built on
    first use. None for Translit.NONE."""
    mapping = TRANSLIT.get(translit)
    if mapping is None:
        return None
    table = [chr(code) for code in range(max(map(ord, mapping)) + 1)]
    for char, replacement in mapping.items():
        table[ord(char)] = replacement
    return table


def transliterate(text: str, translit: Translit) -> str:
    """`text` as the service sends it with `translit`: Translit.NONE returns it unchanged.

    Only the characters of the table change; ASCII text is never touched.
    """
    if not isinstance(text, str):
        raise InvalidRequest(f"text: must be a string, got {type(text).__name__}")
    if not isinstance(translit, Translit):
        raise InvalidRequest(f"translit: {translit!r} is not a smsc.Translit")
    table = _table(translit)
    if table is None or text.isascii():
        return text
    return text.translate(table)
