"""HTTP(S) transport: one pooled urllib3 connection pool per client, POST by default."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from smsc._exceptions import InvalidRequest, TransportError
from smsc._requests import SENSITIVE

if TYPE_CHECKING:
    import ssl

    import urllib3

log = logging.getLogger("smsc")

DEFAULT_TIMEOUT = (5.0, 30.0)
"""Seconds to connect and to wait for the reply."""
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def redact(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields with every secret replaced by '***' (for logs and messages)."""
    return [(k, "***" if k in SENSITIVE else v) for k, v in fields]


class HttpTransport:
    """Sends requests to the service over HTTP(S) with urllib3.

    Credentials travel in a form-encoded POST body by default. `method="GET"` puts every
    parameter, the password or API key included, into the URL, where proxies and server
    logs keep it: use it only where POST is impossible. urllib3's own retries are off; the
    client decides what may be tried again.
    """

    def __init__(
        self,
        base_url: str = "https://smsc.kz",
        *,
        timeout: float | tuple[float, float] | urllib3.Timeout = DEFAULT_TIMEOUT,
        method: str = "POST",
        ca_certs: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        maxsize: int = 4,
    ) -> None:
        import urllib3  # imported with the first transport, not with the package

        parts = urlsplit(base_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InvalidRequest(f"base_url: {base_url!r} is not an http(s) URL")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise InvalidRequest("base_url: give scheme, host, port and path only")
        if method not in ("POST", "GET"):
            raise InvalidRequest(f"method: {method!r} is not POST or GET")
        if isinstance(timeout, tuple):
            timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])
        elif not isinstance(timeout, urllib3.Timeout):
            timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.base_url = base_url.rstrip("/")
        self.method = method
        self._prefix = parts.path.rstrip("/")
        self._manager = urllib3.PoolManager(
            num_pools=4,
            maxsize=maxsize,
            retries=False,
            timeout=timeout,
            ca_certs=ca_certs,
            ssl_context=ssl_context,
            headers={"User-Agent": "smsc-python", "Accept-Encoding": "identity"},
        )
        self._pool = self._manager.connection_from_url(self.base_url)
        self._http_error = urllib3.exceptions.HTTPError

    def __repr__(self) -> str:
        return f"HttpTransport({self.base_url!r}, method={self.method!r})"

    def request(self, path: str, fields: Sequence[tuple[str, str]]) -> bytes:
        """Send one request and return the reply body; TransportError on any failure."""
        target = self._prefix + path
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s%s %s", self.method, self.base_url, path, urlencode(redact(fields)))
        try:
            if self.method == "POST":
                response = self._pool.urlopen(
                    "POST", target, body=urlencode(fields), headers={**self._pool.headers, **_FORM},
                    retries=False, redirect=False,
                )
            else:
                response = self._pool.urlopen(
                    "GET", f"{target}?{urlencode(fields)}", retries=False, redirect=False,
                )
        except self._http_error as exc:
            raise TransportError(f"{self.method} {self.base_url}{path} failed: {_describe(exc)}") from exc
        body: bytes = response.data
        if response.status != 200:
            raise TransportError(f"{self.method} {self.base_url}{path}: HTTP {response.status}", status=response.status)
        log.debug("reply %d bytes: %r", len(body), body[:200])
        return body

    def close(self) -> None:
        self._manager.clear()


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    inner = reason if isinstance(reason, BaseException) else exc
    return f"{type(inner).__name__}: {inner}"
