"""HTTP(S) transport: pooled urllib3 connections, POST by default, failover over mirror hosts."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from smsc import _redact
from smsc._attachments import Attachment
from smsc._builders import SENSITIVE
from smsc._exceptions import InvalidRequest, ProtocolError, SmscError, TransportError
from smsc._http_rules import (
    DEFAULT_MAX_REPLY_BYTES,
    DEFAULT_TIMEOUT,
    HEADERS,
    SERVICE_DOMAINS,
    base_urls,
    check_limit,
    check_method,
    check_reply,
    encode_form,
    mirror_urls,
    timeout_pair,
    too_large,
)
from smsc._pipeline import Hosts, Transmit, seconds_left, transmit
from smsc._version import user_agent

if TYPE_CHECKING:
    import ssl

    import urllib3

__all__ = ["DEFAULT_MAX_REPLY_BYTES", "DEFAULT_TIMEOUT", "SERVICE_DOMAINS", "HttpTransport", "mirror_urls", "redact"]

log = logging.getLogger("smsc")

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_CHUNK = 64 * 1024


def redact(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields with every secret replaced by '***' (for logs and messages)."""
    return [(k, "***" if k in SENSITIVE else v) for k, v in fields]


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

    `timeout` is (connect, read) seconds; the read timeout bounds the whole reply, headers and
    body, however slowly the server sends it. A reply body is read up to `max_reply_bytes`; a
    longer one, or one in a content coding the client did not ask for, is a ProtocolError.
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
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
    ) -> None:
        import urllib3  # imported with the first transport, not with the package

        from smsc._deadline_io import bounded_connection

        self.method = check_method(method)
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or not 1 <= pool_size <= 64:
            raise InvalidRequest("pool_size: connections per host, 1 to 64 (the service allows 14 at once)")
        urls = base_urls(base_url, hosts)
        connect, read = timeout_pair(timeout)
        self.max_reply_bytes = check_limit(max_reply_bytes)
        tls = tls_options(ca_certs, ssl_context, verify)
        if not verify:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self.hosts = urls
        self.pool_size = pool_size
        self.timeout = urllib3.Timeout(connect=connect, read=read)
        self._limits = (connect, read)
        self.hosts_state = Hosts(urls)
        self._manager = urllib3.PoolManager(
            num_pools=max(4, len(urls)),
            maxsize=pool_size,
            block=True,  # threads beyond pool_size wait for a connection instead of opening throw-away ones
            retries=False,
            timeout=self.timeout,
            **tls,
        )
        # given on each request: a pool taken from the manager does not inherit the manager's headers
        self._headers = {"User-Agent": user_agent(), **HEADERS}
        self._form_headers = {**self._headers, **_FORM}
        self._kept: dict[tuple[str, str], str] = {}  # the form encoding of fields every request repeats
        self._options: dict[str, Any] = {  # every request: the client decides retries; bytes as received
            "retries": False,
            "redirect": False,
            "preload_content": False,
            "decode_content": False,
        }
        self._urllib3 = urllib3
        self._unsent = (
            urllib3.exceptions.ConnectTimeoutError,
            urllib3.exceptions.NewConnectionError,
            urllib3.exceptions.SSLError,
            urllib3.exceptions.ProxyError,
            urllib3.exceptions.EmptyPoolError,
        )
        try:
            self._pools = [(self._manager.connection_from_url(u), urlsplit(u).path) for u in urls]
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            raise InvalidRequest(f"base_url: {_redact.scrub(str(exc))}") from None
        for pool, _ in self._pools:
            pool.ConnectionCls = bounded_connection(pool.ConnectionCls)

    @property
    def base_url(self) -> str:
        """The host requests go to now."""
        return self.hosts[self.hosts_state.current]

    def __repr__(self) -> str:
        return f"HttpTransport({self.base_url!r}, method={self.method!r}, hosts={len(self.hosts)})"

    def request(
        self,
        path: str,
        fields: Sequence[tuple[str, str]],
        *,
        files: Sequence[Attachment] = (),
        deadline: float | None = None,
        body: tuple[bytes, Mapping[str, str]] | None = None,
    ) -> bytes:
        """Send one request and return the reply body; TransportError on any failure.

        `body` is a raw POST body and its headers instead of form fields (SOAP); `fields` are then
        only what the debug log shows, redacted.

        Hosts that cannot be reached are skipped in order, within `deadline` (a time.monotonic value);
        the order is decided by smsc._pipeline.transmit, as for the clients' calls.
        """

        budget = partial(seconds_left, deadline, time.monotonic)
        steps = transmit(self.hosts_state, budget, Transmit(path, fields, files, None).at)
        command = next(steps)
        try:
            while True:
                assert isinstance(command, Transmit)
                until = None if command.budget is None else time.monotonic() + command.budget
                try:
                    outcome: object = self.request_to(command.host, path, fields, files, until, body)
                except TransportError as error:
                    outcome = error
                command = steps.send(outcome)
        except StopIteration as stop:
            result = stop.value
        if isinstance(result, SmscError):
            raise result
        return result  # type: ignore[no-any-return]

    def request_to(
        self,
        host: int | None,
        path: str,
        fields: Sequence[tuple[str, str]],
        files: Sequence[Attachment],
        deadline: float | None,
        body: tuple[bytes, Mapping[str, str]] | None = None,
    ) -> bytes:
        """Send one request to host number `host` (the current one for None); no failover."""
        return self._send(self.hosts_state.current if host is None else host, path, fields, files, deadline, body)

    def _send(
        self,
        index: int,
        path: str,
        fields: Sequence[tuple[str, str]],
        files: Sequence[Attachment],
        deadline: float | None,
        raw: tuple[bytes, Mapping[str, str]] | None = None,
    ) -> bytes:
        urllib3 = self._urllib3
        pool, prefix = self._pools[index]
        url = self.hosts[index] + path
        target = prefix + path
        timeout = self.timeout
        connect, read = self._limits
        wait = connect  # waiting for a free pooled connection: as long as for a new one
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TransportError(f"{url}: the call's deadline has passed", maybe_sent=False)
            if connect is None or read is None or left < connect or left < read:  # else the usual limits hold
                wait = min(left, connect or left)
                timeout = urllib3.Timeout(connect=wait, read=min(left, read or left))
        method = "POST" if files or raw is not None else self.method
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s%s", method, url, urlencode(redact(fields)), f" + {len(files)} file(s)" if files else "")
        options = self._options
        pool_wait: Any = wait  # urllib3 annotates whole seconds; a queue wait takes any float
        try:
            if raw is not None:
                response = pool.urlopen(
                    "POST",
                    target,
                    body=raw[0],
                    headers={**self._headers, **raw[1]},
                    timeout=timeout,
                    pool_timeout=pool_wait,
                    **options,
                )
            elif files:
                parts: list[tuple[str, str | tuple[str, bytes, str]]] = list(fields)
                parts += [(f"file{i}", (a.name, a.data, a.content_type)) for i, a in enumerate(files)]
                body, content_type = urllib3.encode_multipart_formdata(parts)
                headers = {**self._headers, "Content-Type": content_type}
                response = pool.urlopen(
                    "POST", target, body=body, headers=headers, timeout=timeout, pool_timeout=pool_wait, **options
                )
            elif method == "POST":
                form = encode_form(fields, self._kept).encode("ascii")
                response = pool.urlopen(
                    "POST",
                    target,
                    body=form,
                    headers=self._form_headers,
                    timeout=timeout,
                    pool_timeout=pool_wait,
                    **options,
                )
            else:
                response = pool.urlopen(
                    "GET",
                    f"{target}?{encode_form(fields, self._kept)}",
                    headers=self._headers,
                    timeout=timeout,
                    pool_timeout=pool_wait,
                    **options,
                )
        except urllib3.exceptions.HTTPError as exc:
            unsent = isinstance(exc, self._unsent)
            raise TransportError(f"{method} {url} failed: {_describe(exc)}", maybe_sent=not unsent) from exc
        except UnicodeEncodeError:
            raise InvalidRequest("a request field is not valid Unicode text (a lone surrogate?)") from None
        try:
            data = self._read(response, method, url)
        except BaseException:
            response.close()
            response.release_conn()
            raise
        response.release_conn()
        log.debug("reply %d bytes: %r", len(data), data[:200])
        return data

    def _read(self, response: Any, method: str, url: str) -> bytes:
        """The reply body, read under the reply's deadline and up to max_reply_bytes."""
        limit = self.max_reply_bytes
        length = check_reply(method, url, response.status, response.headers, limit)
        try:
            if length is not None:
                data: bytes = response.read(decode_content=False)
                if len(data) != length:
                    raise ProtocolError(
                        f"{method} {url}: the reply ended after {len(data)} of {length} bytes", raw=data
                    )
                return data
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = response.read(_CHUNK, decode_content=False)
                if not chunk:
                    return b"".join(chunks)
                size += len(chunk)
                if size > limit:
                    raise too_large(method, url, limit, (chunks[0] if chunks else chunk)[:_CHUNK])
                chunks.append(chunk)
        except SmscError:
            raise
        except (self._urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransportError(f"{method} {url}: reading the reply failed: {_describe(exc)}") from exc

    def close(self) -> None:
        """Close every pooled connection; the transport opens new ones if used again."""
        self._manager.clear()


def tls_options(ca_certs: object, ssl_context: object, verify: object) -> dict[str, Any]:
    """urllib3's TLS arguments for the verification options; InvalidRequest for a bad combination."""
    import ssl

    if not isinstance(verify, bool):
        raise InvalidRequest("verify: True or False")
    if ca_certs is not None and not isinstance(ca_certs, str):
        raise InvalidRequest("ca_certs: the path of a PEM file")
    if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
        raise InvalidRequest("ssl_context: an ssl.SSLContext")
    if verify:
        return {"ca_certs": ca_certs, "ssl_context": ssl_context}
    if ca_certs is not None or ssl_context is not None:
        raise InvalidRequest("verify=False cannot be combined with ca_certs or ssl_context")
    log.warning(
        "TLS certificate verification is OFF: anyone on the network path can read "
        "and change requests, credentials included"
    )
    return {"cert_reqs": "CERT_NONE", "assert_hostname": False}


def _describe(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    inner = reason if isinstance(reason, BaseException) else exc
    return f"{type(inner).__name__}: {inner}"
