"""Request parameters as the service reads them: raw bytes, decoded in the request's `charset`."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

DEFAULT_CHARSET = "windows-1251"
# the `charset` values the service documents -> Python codec
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "windows-1251": "cp1251", "cp1251": "cp1251", "koi8-r": "koi8_r"}


def codec(charset: str | None) -> str:
    """The Python codec of a `charset` value; unknown or missing values mean windows-1251."""
    return CHARSETS.get((charset or "").strip().lower(), CHARSETS[DEFAULT_CHARSET])


def form_pairs(raw: bytes | str) -> list[tuple[bytes, bytes]]:
    """`a=1&b=%D0%B0` (a query string or a form body) as undecoded byte pairs.

    Percent-escapes and raw 8-bit bytes both survive: the bytes are read as Latin-1 so that
    the real charset, named inside the same string, can decode them afterwards.
    """
    if isinstance(raw, str):  # a URL's query as aiohttp read it: UTF-8, undecodable bytes as surrogates
        raw = raw.encode("utf-8", "surrogateescape")
    text = raw.decode("latin-1")
    pairs = parse_qsl(text, keep_blank_values=True, encoding="latin-1", errors="strict")
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def decode_params(pairs: Iterable[tuple[bytes, bytes]]) -> tuple[dict[str, str], str]:
    """Parameter names and values decoded in the request's charset (the last value of a name wins),
    and that charset's codec."""
    pairs = list(pairs)
    charset = None
    for key, value in pairs:
        if key == b"charset":
            charset = value.decode("latin-1")
    name = codec(charset)
    params = {k.decode(name, "replace"): v.decode(name, "replace") for k, v in pairs}
    return params, name


_SEPARATORS = (b",", b";", b"%2C", b"%2c", b"%3B", b"%3b")


def without_long_phone_lists(body: bytes, limit: int) -> bytes | None:
    """The form body without its `phones=` values that list more than `limit` recipients; None if there is none.

    Counted on the raw bytes (C-speed `find` and `count`), so that a request with a huge phone list
    is refused (error 1, in the fmt and charset the rest of the body asks for) without parsing it."""
    at, cut, kept = 0, 0, []
    while (at := body.find(b"phones=", at)) >= 0:
        end = body.find(b"&", at)
        end = len(body) if end < 0 else end
        if at == 0 or body[at - 1 : at] == b"&":
            start = at + 7
            if end - start > limit and sum(body.count(sep, start, end) for sep in _SEPARATORS) >= limit:
                kept.append(body[cut:at])
                cut = end
        at += 7
    if not kept:
        return None
    return b"".join(kept) + body[cut:]
