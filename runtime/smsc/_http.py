"""HTTP(S) transport: pooled urllib3 connections, POST by default, failover over mirror hosts."""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from smsc._attachments import Attachment
from smsc._builders import SENSITIVE
from smsc._exceptions import InvalidRequest, TransportError
from smsc._version import user_agent

if TYPE_CHECKING:
    import ssl

    import urllib3

log = logging.getLogger("smsc")

DEFAULT_TIMEOUT = (5.0, 30.0)
"""Seconds to connect and to wait for the reply."""

SERVICE_DOMAINS = frozenset({"smsc.kz", "smsc.ru", "smsc.ua", "smscentre.com", "smsc.tj"})
"""Hosts whose mirrors www2 ... www5 serve the same API."""

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def redact(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields with every secret replaced by '***' (for logs and messages)."""
    return [(k, "***" if k in SENSITIVE else v) for k, v in fields]


class RedactSecrets(logging.Filter):
    """Masks secret query parameters in urllib3's own log records (it logs the URL of a GET)."""

    def __init__(self) -> None:
        super().__init__()
        names = "|".join(re.escape(n) for n in sorted(SENSITIVE))
        self._pattern = re.compile(rf"(?<=[?&])({names})=[^&\s\"']*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self._pattern.sub(r"\1=***", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._pattern.sub(r"\1=***", a) if isinstance(a, str) else a for a in record.args)
        return True


def _guard_urllib3_logs() -> None:
    target = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactSecrets) for f in target.filters):
        target.addFilter(RedactSecrets())


def mirror_urls(base_url: str) -> list[str]:
    """The base URL and, for the service's own domains, its mirrors www2 ... www5."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").removeprefix("www.")
    if host not in SERVICE_DOMAINS or parts.port is not None:
        return [base_url.rstrip("/")]
    path = parts.path.rstrip("/")
    return [f"{parts.scheme}://{host}{path}", *(f"{parts.scheme}://www{n}.{host}{path}" for n in range(2, 6))]


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidRequest(f"base_url: {url!r} is not an http(s) URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidRequest(f"base_url: {url!r}: give scheme, host, port and path only")
    return url.rstrip("/")


class HttpTransport:
    """Sends requests to the service over HTTP(S) with urllib3.

    Credentials travel in a form-encoded POST body by default. `method="GET"` puts every
    parameter, the password or API key included, into the URL, where proxies and server
    logs keep it: use it only where POST is impossible. Attachments always go as a
    multipart POST.

    `pool_size` keep-alive connections per host are shared by every thread using the client;
    threads beyond it wait for a free connection (the service answers error 9 to a login with
    15 requests in progress). `hosts` are base URLs tried in order when a host cannot be reached (the connection
    fails before the request is written); the transport stays on the host that answered.
    By default they are `base_url` and, for the service's domains, its mirrors www2 ... www5.
    urllib3's own retries are off: the client decides what may be tried again.
    """

    def __init__(
        self,
        base_url: str = "https://smsc.kz",
        *,
        hosts: Sequence[str] | None = None,
        timeout: float | tuple[float, float] | urllib3.Timeout = DEFAULT_TIMEOUT,
        method: str = "POST",
        ca_certs: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        verify: bool = True,
        pool_size: int = 4,
    ) -> None:
        import urllib3  # imported with the first transport, not with the package

        if method not in ("POST", "GET"):
            raise InvalidRequest(f"method: {method!r} is not POST or GET")
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or not 1 <= pool_size <= 64:
            raise InvalidRequest("pool_size: connections per host, 1 to 64 (the service allows 14 at once)")
        _guard_urllib3_logs()
        urls = [_check_url(u) for u in (hosts if hosts is not None else mirror_urls(_check_url(base_url)))]
        if not urls:
            raise InvalidRequest("hosts: give at least one base URL")
        if isinstance(timeout, tuple):
            timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])
        elif not isinstance(timeout, urllib3.Timeout):
            timeout = urllib3.Timeout(connect=timeout, read=timeout)
        tls: dict[str, object] = {"ca_certs": ca_certs, "ssl_context": ssl_context}
        if not verify:
            if ca_certs is not None or ssl_context is not None:
                raise InvalidRequest("verify=False cannot be combined with ca_certs or ssl_context")
            log.warning(
                "TLS certificate verification is OFF: anyone on the network path can read "
                "and change requests, credentials included"
            )
            tls = {"cert_reqs": "CERT_NONE", "assert_hostname": False}
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self.hosts = urls
        self.method = method
        self.timeout = timeout
        connect, read = timeout.connect_timeout, timeout.read_timeout
        self._limits = (
            connect if isinstance(connect, (int, float)) else None,
            read if isinstance(read, (int, float)) else None,
        )
        self._current = 0
        # given on each request too: a pool taken from the manager does not inherit the manager's headers
        self._headers = {"User-Agent": user_agent(), "Accept-Encoding": "identity"}
        self._manager = urllib3.PoolManager(
            num_pools=max(4, len(urls)),
            maxsize=pool_size,
            block=True,  # threads beyond pool_size wait for a connection instead of opening throw-away ones
            retries=False,
            timeout=timeout,
            headers=self._headers,
            **tls,
        )
        self._urllib3 = urllib3
        self._pools = [(self._manager.connection_from_url(u), urlsplit(u).path) for u in urls]

    @property
    def base_url(self) -> str:
        """The host requests go to now."""
        return self.hosts[self._current]

    def __repr__(self) -> str:
        return f"HttpTransport({self.base_url!r}, method={self.method!r}, hosts={len(self.hosts)})"

    def request(
        self,
        path: str,
        fields: Sequence[tuple[str, str]],
        *,
        files: Sequence[Attachment] = (),
        deadline: float | None = None,
    ) -> bytes:
        """Send one request and return the reply body; TransportError on any failure.

        Hosts that cannot be reached are skipped in order, within `deadline` (a time.monotonic value).
        """
        tried: list[str] = []
        count = len(self.hosts)
        for step in range(count):
            index = (self._current + step) % count
            host = self.hosts[index]
            try:
                body = self._send(index, path, fields, files, deadline)
            except TransportError as error:
                tried.append(host)
                if error.maybe_sent or step == count - 1 or (deadline is not None and time.monotonic() >= deadline):
                    if len(tried) > 1:
                        raise TransportError(
                            f"{error} (hosts tried: {', '.join(tried)})",
                            status=error.status,
                            maybe_sent=error.maybe_sent,
                        ) from error.__cause__
                    raise
                log.warning("%s cannot be reached (%s); trying %s", host, error, self.hosts[(index + 1) % count])
                continue
            self._current = index
            return body
        raise AssertionError("unreachable")

    def _send(
        self,
        index: int,
        path: str,
        fields: Sequence[tuple[str, str]],
        files: Sequence[Attachment],
        deadline: float | None,
    ) -> bytes:
        urllib3 = self._urllib3
        pool, prefix = self._pools[index]
        url = self.hosts[index] + path
        target = prefix + path
        timeout = self.timeout
        connect, read = self._limits
        limit = connect  # waiting for a free pooled connection: as long as for a new one
        if deadline is not None:
            left = max(deadline - time.monotonic(), 0.001)
            limit = min(left, connect or left)
            timeout = urllib3.Timeout(connect=limit, read=min(left, read or left))
        wait = None if limit is None else math.ceil(limit)  # urllib3 takes whole seconds here
        method = "POST" if files else self.method
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s%s", method, url, urlencode(redact(fields)), f" + {len(files)} file(s)" if files else "")
        try:
            if files:
                parts: list[tuple[str, str | tuple[str, bytes, str]]] = list(fields)
                parts += [(f"file{i}", (a.name, a.data, a.content_type)) for i, a in enumerate(files)]
                body, content_type = urllib3.encode_multipart_formdata(parts)
                headers = {**self._headers, "Content-Type": content_type}
                response = pool.urlopen(
                    "POST",
                    target,
                    body=body,
                    headers=headers,
                    timeout=timeout,
                    pool_timeout=wait,
                    retries=False,
                    redirect=False,
                )
            elif method == "POST":
                response = pool.urlopen(
                    "POST",
                    target,
                    body=urlencode(fields),
                    headers={**self._headers, **_FORM},
                    timeout=timeout,
                    pool_timeout=wait,
                    retries=False,
                    redirect=False,
                )
            else:
                response = pool.urlopen(
                    "GET",
                    f"{target}?{urlencode(fields)}",
                    headers=self._headers,
                    timeout=timeout,
                    pool_timeout=wait,
                    retries=False,
                    redirect=False,
                )
        except urllib3.exceptions.HTTPError as exc:
            unsent = isinstance(
                exc,
                (
                    urllib3.exceptions.ConnectTimeoutError,
                    urllib3.exceptions.SSLError,
                    urllib3.exceptions.ProxyError,
                    urllib3.exceptions.EmptyPoolError,
                ),
            )
            raise TransportError(f"{method} {url} failed: {_describe(exc)}", maybe_sent=not unsent) from exc
        data: bytes = response.data
        if response.status != 200:
            raise TransportError(
                f"{method} {url}: HTTP {response.status}", status=response.status, maybe_sent=response.status >= 500
            )
        log.debug("reply %d bytes: %r", len(data), data[:200])
        return data

    def close(self) -> None:
        self._manager.clear()


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    inner = reason if isinstance(reason, BaseException) else exc
    return f"{type(inner).__name__}: {inner}"
