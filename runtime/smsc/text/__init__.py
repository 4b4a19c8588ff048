"""Message text tools, public: GSM-7 and UCS-2 codecs, SMS parts, concatenation headers.

    from smsc import text

    text.encode_gsm7("Hello {you}")        # unpacked septets, ESC pairs for { and }
    text.pack_septets(text.encode_gsm7("hi"))
    encoding, parts = text.encode_parts(long_message, reference=7)   # short_message per part

Everything here works offline and raises smsc.InvalidRequest for input it cannot encode or
decode. smsc.segments() and smsc.transliterate() are also here; the SMPP transport and the
emulator use these same functions, so a text counts and splits the same way everywhere.
"""

from __future__ import annotations

from smsc._enums import Encoding
from smsc.text._estimate import billed_parts
from smsc.text._gsm import decode_gsm7, decode_ucs2, encode_gsm7, encode_ucs2, is_gsm7, pack_septets, unpack_septets
from smsc.text._segments import Segments, count_parts, segments, split_units
from smsc.text._tables import MAX_CHARS
from smsc.text._translit import transliterate
from smsc.text._udh import Concat, encode_parts, join_udh, parse_udh, split_udh, udh_header

__all__ = [
    "MAX_CHARS",
    "Concat",
    "Encoding",
    "Segments",
    "billed_parts",
    "count_parts",
    "decode_gsm7",
    "decode_ucs2",
    "encode_gsm7",
    "encode_parts",
    "encode_ucs2",
    "is_gsm7",
    "join_udh",
    "pack_septets",
    "parse_udh",
    "segments",
    "split_udh",
    "split_units",
    "transliterate",
    "udh_header",
    "unpack_septets",
]
