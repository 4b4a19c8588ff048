"""HTTP(S) transport of smsc.AsyncClient on aiohttp: one session, a bounded connector, the same rules as urllib3.

Imported only when an AsyncClient (or AsyncHttpTransport) is made: `import smsc` never imports aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from asyncio import current_task
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextvars import ContextVar
from functools import partial
from threading import get_ident
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from smsc import _redact
from smsc._attachments import Attachment
from smsc._exceptions import InvalidRequest, SmscError, TransportError
from smsc._http import redact
from smsc._http_rules import (
    DEFAULT_MAX_REPLY_BYTES,
    DEFAULT_TIMEOUT,
    HEADERS,
    base_urls,
    check_limit,
    check_method,
    check_reply,
    encode_form,
    timeout_pair,
    too_large,
)
from smsc._pipeline import Hosts, Transmit, seconds_left, transmit
from smsc._timeouts import RequestTimer, Watchdog
from smsc._version import user_agent

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger("smsc")
_redact.guard_logger("aiohttp.client")
_FORM = "application/x-www-form-urlencoded"
_CHUNK = 64 * 1024


_TIMER: ContextVar[RequestTimer | None] = ContextVar("smsc_aiohttp_timer", default=None)
"""The request being made in this task: the connector tells it when its connection is ready."""


def _connector_class(aiohttp: Any) -> Any:
    class Connector(aiohttp.TCPConnector):  # type: ignore[misc]
        """A TCPConnector that starts the request's reply timer once a connection is had (new or kept)."""

        async def connect(self, req: Any, traces: Any, timeout: Any) -> Any:
            connection = await super().connect(req, traces, timeout)
            timer = _TIMER.get()
            if timer is not None:
                timer.on_connection()
            return connection

    return Connector


class AsyncHttpTransport:
    """Sends requests to the service over HTTP(S) with aiohttp; the options of smsc.HttpTransport.

    One ClientSession per transport, opened in the running event loop on the first request, with a
    connector of at most `pool_size` connections (default 14: the service answers error 9 to a login
    with 15 requests in progress; further requests wait for a free one within the connect timeout).
    HTTPS is verified by default (`ca_certs`, `ssl_context`, or `verify=False` with a warning); POST
    by default; no redirects, no decompression (Accept-Encoding: identity), replies bounded by
    `max_reply_bytes`; the read timeout bounds the whole reply. Mirrors as smsc.HttpTransport.
    `trace_configs` are further aiohttp.TraceConfig hooks for the session (metrics).
    """

    def __init__(
        self,
        base_url: str = "https://smsc.kz",
        *,
        hosts: Sequence[str] | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        method: str = "POST",
        ca_certs: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        verify: bool = True,
        pool_size: int = 14,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        try:
            import aiohttp
        except ImportError:
            raise InvalidRequest("smsc.AsyncClient needs aiohttp: pip install 'smsc[async]'") from None
        self.method = check_method(method)
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or not 1 <= pool_size <= 64:
            raise InvalidRequest("pool_size: connections in all, 1 to 64 (the service allows 14 at once)")
        self.hosts = base_urls(base_url, hosts)
        self.hosts_state = Hosts(self.hosts)
        self._limits = timeout_pair(timeout)
        self.max_reply_bytes = check_limit(max_reply_bytes)
        self.pool_size = pool_size
        self._ssl = _tls(ca_certs, ssl_context, verify)
        self._aiohttp = aiohttp
        self._names = (aiohttp.hdrs.CONTENT_ENCODING, aiohttp.hdrs.CONTENT_LENGTH)  # istr: cheaper lookups
        self._headers = {"User-Agent": user_agent(), **HEADERS}  # the session's: every request sends them
        self._form_headers: Any = None  # {"Content-Type": form} as aiohttp's own CIMultiDict, made with the session
        self._kept: dict[tuple[str, str], str] = {}  # the form encoding of fields every request repeats
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, Any] = {}  # the yarl.URL of each URL requested
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0  # the thread the session's loop runs in
        self._watchdog: Watchdog | None = None  # the timeouts of the requests in the session's loop
        self._closed = False
        self._guard: AsyncGenerator[None, None] | None = None
        self.trace_configs = list(trace_configs)  # more aiohttp TraceConfig hooks (metrics, tests)

    @property
    def base_url(self) -> str:
        """The host requests go to now."""
        return self.hosts[self.hosts_state.current]

    def __repr__(self) -> str:
        return f"AsyncHttpTransport({self.base_url!r}, method={self.method!r}, hosts={len(self.hosts)})"

    def _session_now(self) -> asyncio.Task[Any]:
        """The running task, after making sure `_session` is the running loop's (made on its first request)."""
        if self._closed:
            raise TransportError("the client is closed", maybe_sent=False)
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop:
            self._open(loop)
        task = asyncio.current_task(loop)
        assert task is not None  # a request runs in a task
        return task

    def _open(self, loop: asyncio.AbstractEventLoop) -> None:
        """A new session in `loop` (the first request, or a request from another loop than the last one's)."""
        aiohttp = self._aiohttp
        connector = _connector_class(aiohttp)(limit=self.pool_size, limit_per_host=self.pool_size, ssl=self._ssl)
        from multidict import CIMultiDict  # aiohttp's own dependency

        self._form_headers = CIMultiDict({"Content-Type": _FORM})  # taken as it is: no conversion per request
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),  # the API sets no cookies, and a call carries nothing of another
            trace_configs=self.trace_configs or None,
            # a request's RequestTimer bounds the pool wait, the connect and the reply; aiohttp the socket connect
            timeout=aiohttp.ClientTimeout(total=None, connect=None, sock_connect=self._limits[0]),
        )  # its headers carry Accept-Encoding: identity (HEADERS), so aiohttp adds no other coding
        self._loop, self._thread = loop, get_ident()
        self._watchdog = Watchdog(loop)
        # closes this session when its loop shuts down; replaced with the session, the old one
        # closes its own in its loop (asyncio finalizes a dropped generator there)
        self._guard = _close_at_shutdown(self._session)

    async def request(
        self,
        path: str,
        fields: Sequence[tuple[str, str]],
        *,
        files: Sequence[Attachment] = (),
        deadline: float | None = None,
        body: tuple[bytes, Mapping[str, str]] | None = None,
    ) -> bytes:
        """Send one request and return the reply body; TransportError on any failure (mirrors as HttpTransport).

        `body` is a raw POST body and its headers instead of form fields (SOAP), as for HttpTransport.
        """

        budget = partial(seconds_left, deadline, time.monotonic)
        steps = transmit(self.hosts_state, budget, Transmit(path, fields, files, None).at)
        command = next(steps)
        try:
            while True:
                assert isinstance(command, Transmit)
                until = None if command.budget is None else time.monotonic() + command.budget
                try:
                    outcome: object = await self.request_to(command.host, path, fields, files, until, body)
                except TransportError as error:
                    outcome = error
                command = steps.send(outcome)
        except StopIteration as stop:
            result = stop.value
        if isinstance(result, SmscError):
            raise result
        return result  # type: ignore[no-any-return]

    def _parsed(self, url: str) -> Any:
        """`url` as a yarl.URL, parsed once: a transport's URLs are its hosts times the endpoints."""
        from yarl import URL  # aiohttp's own dependency

        parsed = self._urls[url] = URL(url)
        return parsed

    async def request_to(
        self,
        host: int | None,
        path: str,
        fields: Sequence[tuple[str, str]],
        files: Sequence[Attachment],
        deadline: float | None,
        body: tuple[bytes, Mapping[str, str]] | None = None,
    ) -> bytes:
        """Send one request to host number `host` (the current one for None); no failover."""
        aiohttp = self._aiohttp
        url = self.hosts[self.hosts_state.current if host is None else host] + path  # never with the query
        target: Any = self._urls.get(url) or self._parsed(url)
        method = "POST" if files or body is not None else self.method
        # A task of the session's loop running in the session's thread means that loop runs: this check
        # costs no system call, where asyncio.get_running_loop() costs one (getpid) on every request.
        loop = self._loop
        task = current_task(loop) if loop is not None and get_ident() == self._thread and not self._closed else None
        if task is None:
            task = self._session_now()
            loop = self._loop
        session, watchdog = self._session, self._watchdog
        assert loop is not None and session is not None and watchdog is not None  # made together
        now = time.monotonic()
        if deadline is not None and deadline <= now:
            raise TransportError(f"{url}: the call's deadline has passed", maybe_sent=False)
        debug = log.isEnabledFor(logging.DEBUG)
        if debug:
            log.debug("%s %s %s%s", method, url, urlencode(redact(fields)), f" + {len(files)} file(s)" if files else "")
        data: Any = None
        headers: Mapping[str, str] | None
        try:
            if body is not None:
                data, headers = body[0], body[1]
            elif files:
                data = aiohttp.FormData(quote_fields=False, charset="utf-8")
                for name, value in fields:
                    data.add_field(name, value)
                for i, a in enumerate(files):
                    data.add_field(f"file{i}", a.data, filename=a.name, content_type=a.content_type)
                headers = None
            elif method == "POST":
                data, headers = encode_form(fields, self._kept).encode("ascii"), self._form_headers
            else:
                target, headers = f"{url}?{encode_form(fields, self._kept)}", None
        except UnicodeEncodeError:
            raise InvalidRequest("a request field is not valid Unicode text (a lone surrogate?)") from None
        end = None if deadline is None else watchdog.time() + (deadline - now)  # the deadline on the loop's clock
        timer = RequestTimer(watchdog, *self._limits, end, task)
        token = _TIMER.set(timer)
        try:
            async with session.request(method, target, data=data, headers=headers, allow_redirects=False) as response:
                length = check_reply(method, url, response.status, response.headers, self.max_reply_bytes, self._names)
                if length is None:
                    reply = await self._read_unsized(response, method, url)
                else:
                    try:
                        reply = await response.content.readexactly(length)
                    except asyncio.IncompleteReadError as exc:
                        raise TransportError(
                            f"{method} {url}: the reply ended after {len(exc.partial)} of {length} bytes"
                        ) from exc
            if debug:
                log.debug("reply %d bytes: %r", len(reply), reply[:200])
            return reply
        except SmscError:
            raise
        except (asyncio.CancelledError, TimeoutError) as exc:
            if isinstance(exc, asyncio.CancelledError) and not timer.timed_out():
                raise  # the caller's cancellation
            kind = (
                "ReadTimeoutError: the whole reply did not arrive"
                if timer.connected
                else "ConnectTimeoutError: no connection"
            )
            raise TransportError(f"{method} {url} failed: {kind} in time", maybe_sent=timer.connected) from exc
        except (aiohttp.ClientConnectorError, aiohttp.ClientSSLError) as exc:
            cause = getattr(exc, "os_error", None) or exc
            raise TransportError(f"{method} {url} failed: {type(cause).__name__}: {cause}", maybe_sent=False) from exc
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise TransportError(
                f"{method} {url} failed: {type(exc).__name__}: {exc}", maybe_sent=timer.connected
            ) from exc
        finally:
            timer.close()
            _TIMER.reset(token)

    async def _read_unsized(self, response: aiohttp.ClientResponse, method: str, url: str) -> bytes:
        """A reply without Content-Length (chunked, or to the connection's end), read up to max_reply_bytes."""
        limit = self.max_reply_bytes
        chunks: list[bytes] = []
        size = 0
        while chunk := await response.content.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large(method, url, limit, (chunks[0] if chunks else chunk)[:_CHUNK])
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close the session and its connections."""
        self._closed = True
        if self._watchdog is not None:
            self._watchdog.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def close(self) -> None:
        """Mark the transport closed (use `await aclose()` to close the connections too)."""
        self._closed = True


async def _closing(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


def _close_at_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    """An async generator, started on the running loop, that closes `session` when the loop shuts down.

    asyncio.run() (and pytest-asyncio's runner) close every async generator of their loop before
    closing it: a client used without `async with` or `aclose()` so still closes its connections
    in their own loop, instead of leaving sockets to a loop that no longer exists.
    """
    guard = _closing(session)
    step = guard.__anext__()  # the loop's first-iteration hook registers the generator here
    with contextlib.suppress(StopIteration):  # it stopped at its `yield`: started, and registered
        step.send(None)
    return guard


def _tls(ca_certs: object, ssl_context: object, verify: object) -> ssl.SSLContext | bool:
    if not isinstance(verify, bool):
        raise InvalidRequest("verify: True or False")
    if ca_certs is not None and not isinstance(ca_certs, str):
        raise InvalidRequest("ca_certs: the path of a PEM file")
    if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
        raise InvalidRequest("ssl_context: an ssl.SSLContext")
    if not verify:
        if ca_certs is not None or ssl_context is not None:
            raise InvalidRequest("verify=False cannot be combined with ca_certs or ssl_context")
        log.warning(
            "TLS certificate verification is OFF: anyone on the network path can read "
            "and change requests, credentials included"
        )
        return False
    if ssl_context is not None:
        return ssl_context
    try:
        return ssl.create_default_context(cafile=ca_certs)
    except (OSError, ssl.SSLError) as exc:
        raise InvalidRequest(f"ca_certs: cannot load {ca_certs!r}: {exc}") from None
