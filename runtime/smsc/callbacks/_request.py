"""`CallbackRequest`: a callback as the web framework received it, before anything is read from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import field, frozen


def _headers(value: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = value.items() if isinstance(value, Mapping) else value
    return {str(k).lower(): str(v) for k, v in items}


def _upper(value: str) -> str:
    return str(value).upper()


def _bytes(value: bytes | str) -> bytes:
    return value.encode("latin-1") if isinstance(value, str) else bytes(value)


@frozen(kw_only=True)
class CallbackRequest:
    """One HTTP request to the handler URL.

    Attributes:
        method: `GET` or `POST`.
        query: the URL's query string, undecoded (`charset=utf-8&md5=1&...`); bytes, or a str
            of ASCII as most frameworks give it.
        body: the raw request body (empty for GET).
        headers: the request headers (names in any case).
        remote: the peer's IP address, for the allow-list of source networks.
    """

    method: str = field(converter=_upper)
    query: bytes = field(default=b"", converter=_bytes)
    body: bytes = field(default=b"", converter=_bytes, repr=lambda b: f"<{len(b)} bytes>")
    headers: Mapping[str, str] = field(factory=dict, converter=_headers)
    remote: str | None = None

    @property
    def content_type(self) -> str:
        """The media type of the body, lower case, without parameters."""
        return self.headers.get("content-type", "").partition(";")[0].strip().lower()

    @property
    def content_charset(self) -> str | None:
        """The `charset` parameter of the Content-Type header, if any."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip('"') or None
        return None
