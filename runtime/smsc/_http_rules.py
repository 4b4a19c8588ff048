"""What every HTTP transport checks, whatever library carries the bytes (urllib3, aiohttp).

Base URLs and mirrors, timeouts and their validation, and the rules a reply must meet before its
body is read: status 200, no content coding the client did not ask for, a well-formed
Content-Length no larger than the reply limit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote_plus, unquote, urlsplit

from smsc import _redact
from smsc._exceptions import InvalidRequest, ProtocolError, TransportError

DEFAULT_TIMEOUT = (5.0, 30.0)
"""Seconds to connect, and for the whole reply (headers and body)."""

DEFAULT_MAX_REPLY_BYTES = 4 * 1024 * 1024
"""The largest reply body read (4 MiB; the longest documented reply is a few kilobytes)."""

SERVICE_DOMAINS = frozenset({"smsc.kz", "smsc.ru", "smsc.ua", "smscentre.com", "smsc.tj"})
"""Hosts whose mirrors www2 ... www5 serve the same API."""

HEADERS = {"Accept-Encoding": "identity"}
"""Headers of every request: no content coding, so a reply is never decompressed (no gzip bomb)."""


_SAFE = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
_NUMBERS = re.compile(r"[A-Za-z0-9_.~+,-]*").fullmatch  # phone lists: only + and , need quoting


def _quoted(text: str) -> str:
    if _NUMBERS(text):
        return text.replace("+", "%2B").replace(",", "%2C")
    return quote_plus(text)


_CONSTANT = frozenset({"login", "psw", "apikey", "fmt", "charset", "cost"})
"""Fields a client sends alike with every request: their encoding is worth keeping."""


def encode_form(fields: Sequence[tuple[str, str]], kept: dict[tuple[str, str], str] | None = None) -> str:
    """application/x-www-form-urlencoded text of the fields, as urlencode() writes it (UTF-8), faster:
    names and values that need no quoting (most of them) are taken as they are, and phone lists
    have only their + and , replaced.

    `kept`: a transport's own dict, where the encoding of the fields every request repeats (login,
    password, format) is kept (a few entries at most) instead of being worked out again.
    """
    if kept is None:
        return "&".join([_pair(k, v) for k, v in fields])
    out = []
    for pair in fields:
        text = kept.get(pair)
        if text is None:
            text = _pair(*pair)
            if pair[0] in _CONSTANT and len(kept) < 16:
                kept[pair] = text
        out.append(text)
    return "&".join(out)


def _pair(name: str, value: str) -> str:
    """One `name=value` of a form, quoted as urlencode() quotes it.

    ASCII letters and digits alone (most names and values) are told by two str methods, which cost
    a fraction of a regular expression's match.
    """
    if not (name.isascii() and name.isalnum()) and not _SAFE(name):
        name = _quoted(name)
    if not (value.isascii() and value.isalnum()):
        if value.isascii() and value.replace("+", "").replace(",", "").isdigit():  # a phone list, told without a regex
            value = value.replace("+", "%2B").replace(",", "%2C")
        elif not _SAFE(value):
            value = _quoted(value)
    return f"{name}={value}"


def mirror_urls(base_url: str) -> list[str]:
    """The base URL and, for the service's own domains, its mirrors www2 ... www5."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").removeprefix("www.")
    if host not in SERVICE_DOMAINS or parts.port is not None:
        return [base_url.rstrip("/")]
    path = parts.path.rstrip("/")
    return [f"{parts.scheme}://{host}{path}", *(f"{parts.scheme}://www{n}.{host}{path}" for n in range(2, 6))]


def check_url(url: object, name: str = "base_url") -> str:
    """An http(s) base URL with scheme, host, optional port and path; InvalidRequest otherwise.

    A URL carrying credentials (user:pass@ or ?psw=) is refused, and its secrets are registered
    for redaction first, so that no message shows them.
    """
    if not isinstance(url, str):
        raise InvalidRequest(f"{name}: expected an http(s) URL string, got {type(url).__name__}")
    try:
        url.encode("utf-8")
        parts = urlsplit(url)
        if parts.password:
            _redact.register(parts.password, unquote(parts.password))
        for pair in parts.query.split("&"):
            key, _, value = pair.partition("=")
            if key in ("psw", "apikey"):
                _redact.register(value, unquote(value))
        host, port = parts.hostname, parts.port  # port raises ValueError when out of range
    except (ValueError, UnicodeError) as exc:
        raise InvalidRequest(f"{name}: not a valid URL ({_redact.scrub(str(exc))})") from None
    shown = f"{parts.scheme}://{host or ''}{f':{port}' if port else ''}{parts.path}"
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidRequest(f"{name}: {shown!r} is not an http(s) URL with a host")
    if parts.username or parts.password:
        raise InvalidRequest(f"{name}: {shown}: credentials in the URL are refused; give login and password")
    if parts.query or parts.fragment:
        raise InvalidRequest(f"{name}: {shown}: give scheme, host, port and path only (no query)")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidRequest(f"{name}: {shown!r} contains spaces or control characters")
    return url.rstrip("/")


def base_urls(base_url: object, hosts: Sequence[str] | None) -> list[str]:
    """The hosts a transport tries, in order: `hosts`, or `base_url` and its mirrors."""
    if hosts is None:
        return mirror_urls(check_url(base_url))
    if isinstance(hosts, (str, bytes)) or not isinstance(hosts, Sequence):
        raise InvalidRequest("hosts: give a list of base URLs")
    urls = [check_url(u, "hosts") for u in hosts]
    if not urls:
        raise InvalidRequest("hosts: give at least one base URL")
    return urls


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRequest(f"{name}: expected seconds (a positive number), got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidRequest(f"{name}: {value!r} is not a positive, finite number of seconds")
    return float(value)


def timeout_pair(timeout: object) -> tuple[float | None, float | None]:
    """(connect, read) seconds from a number, a pair or a urllib3.Timeout; InvalidRequest otherwise.

    The read timeout bounds the whole reply, headers and body, not each socket read.
    """
    if isinstance(timeout, tuple):
        if len(timeout) != 2:
            raise InvalidRequest("timeout: give seconds, or a (connect, read) pair")
        return _seconds(timeout[0], "timeout (connect)"), _seconds(timeout[1], "timeout (read)")
    if type(timeout).__name__ == "Timeout" and hasattr(timeout, "connect_timeout"):  # urllib3.Timeout
        pair: list[float | None] = []
        for part in (getattr(timeout, "connect_timeout", None), getattr(timeout, "read_timeout", None)):
            pair.append(_seconds(part, "timeout") if isinstance(part, (int, float)) else None)
        total = getattr(timeout, "total", None)
        if isinstance(total, (int, float)):
            pair = [min(p, total) if p is not None else total for p in pair]
        return pair[0], pair[1]
    seconds = _seconds(timeout, "timeout")
    return seconds, seconds


def check_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise InvalidRequest("max_reply_bytes: an int of at least 1024")
    return value


def check_method(method: object) -> str:
    if method not in ("POST", "GET"):
        raise InvalidRequest(f"method: {method!r} is not POST or GET")
    return str(method)


_REPLY_HEADERS = ("Content-Encoding", "Content-Length")


def check_reply(
    method: str,
    url: str,
    status: int,
    headers: Mapping[str, str],
    limit: int,
    names: tuple[str, str] = _REPLY_HEADERS,
) -> int | None:
    """Check a reply's status and headers before its body is read; the declared length, or None.

    HTTP status other than 200: TransportError (maybe_sent for 5xx). A content coding other than
    identity, a Content-Length that is not a non-negative integer, or one above `limit`:
    ProtocolError naming the problem (the request did reach the service). `names`: how the
    transport's headers spell Content-Encoding and Content-Length (aiohttp's own istr constants
    are looked up faster than plain strings).
    """
    if status != 200:
        raise TransportError(f"{method} {url}: HTTP {status}", status=status, maybe_sent=status >= 500)
    coding_name, length_name = names
    coding = headers.get(coding_name)
    if coding is not None and coding.strip().lower() not in ("", "identity"):
        raise ProtocolError(
            f"{method} {url}: the reply is encoded as {coding!r}, which the client did not ask for "
            "(it sends Accept-Encoding: identity)",
            raw=b"",
        )
    declared = headers.get(length_name)
    if declared is None:
        return None
    text = declared.strip()
    if not text.isdigit() or not text.isascii():
        raise ProtocolError(f"{method} {url}: malformed Content-Length {declared!r}", raw=b"")
    length = int(text)
    if length > limit:
        raise too_large(method, url, limit, b"", length)
    return length


def too_large(method: str, url: str, limit: int, head: bytes, length: int | None = None) -> ProtocolError:
    """The error for a reply above max_reply_bytes (ProtocolError: the service did get the request).

    `head` is the start of the reply as far as it was read (at most 64 KiB are kept on the error)."""
    size = f"is {length} bytes" if length is not None else "goes on past the limit"
    return ProtocolError(f"{method} {url}: the reply {size}, above max_reply_bytes={limit}", raw=head)
