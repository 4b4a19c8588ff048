"""What smsc.AsyncClient adds to the shared core: the aiohttp transport, the asyncio loop, aclose()."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from smsc._async_pipeline import run_async
from smsc._client_base import DEFAULT_BASE_URL, ClientCore, MessageTransport, _hosts_of
from smsc._enums import ResponseFormat
from smsc._exceptions import InvalidRequest
from smsc._http_rules import DEFAULT_MAX_REPLY_BYTES, DEFAULT_TIMEOUT
from smsc._pipeline import Machine
from smsc._retry import RetryPolicy

if TYPE_CHECKING:
    import ssl

    from smsc._models import SendResult
    from smsc._request import Request
    from smsc.bulk import Message
    from smsc.bulk._run import AsyncBulkRun

T = TypeVar("T")

DEFAULT_CONNECTIONS = 14
"""Requests in flight at once: the service answers error 9 to a login with 15."""


class AsyncBaseClient(ClientCore):
    """Credentials, the aiohttp transport (or a given one) and the asyncio loop; commands come from AsyncClient."""

    def __init__(
        self,
        *,
        login: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        hosts: Sequence[str] | None = None,
        response_format: ResponseFormat = ResponseFormat.JSON,
        method: str = "POST",
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        ca_certs: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        verify: bool = True,
        pool_size: int = DEFAULT_CONNECTIONS,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        retry: RetryPolicy | None = None,
        transport: Any = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._setup(login, password, api_key, response_format, retry, clock, rand)
        if not callable(sleep):
            raise InvalidRequest("sleep: an async callable")
        self._sleep = sleep
        self.sender: Any = None
        if isinstance(transport, MessageTransport):
            self.sender, transport = transport, None
        if transport is None:
            from smsc._aiohttp import AsyncHttpTransport

            transport = AsyncHttpTransport(
                base_url,
                hosts=hosts,
                timeout=timeout,
                method=method,
                ca_certs=ca_certs,
                ssl_context=ssl_context,
                verify=verify,
                pool_size=pool_size,
                max_reply_bytes=max_reply_bytes,
            )
        self.transport: Any = transport
        self._hosts = _hosts_of(self.transport)

    async def _execute(self, endpoint: str, request: Request, parse: Callable[[bytes], T], fmt: int | None = None) -> T:
        """Send a request that may be repeated and parse its reply, under the retry policy."""
        if endpoint == "/sys/status.php" and getattr(self.sender, "statuses", False):  # SMPP's query_sm
            return await asyncio.to_thread(self.sender.status_of, request, self._auth)

        machine = self._call_machine(endpoint, request, parse, fmt)
        return await run_async(machine, self.transport, self.sender, self._sleep)  # type: ignore[no-any-return]

    def _send(
        self, endpoint: str, request: Request, parse: Callable[[bytes], SendResult]
    ) -> Coroutine[Any, Any, SendResult]:
        """Send one message (see ClientCore._send_machine): the coroutine to await; as run_send(), one call fewer."""
        return run_async(self._send_machine(endpoint, request, parse), self.transport, self.sender, self._sleep)

    def run_send(self, machine: Machine) -> Coroutine[Any, Any, SendResult]:
        """Drive one send's state machine (for a bulk sender: one machine per message): the coroutine to await."""
        return run_async(machine, self.transport, self.sender, self._sleep)

    def send_many(self, messages: Iterable[Message | tuple[Any, str]], **options: Any) -> AsyncBulkRun:
        """Send many messages within the service's limits: `async for result in client.send_many(...)`.

        The options of smsc.Client.send_many; each message runs through the same state machine as send().
        """
        from smsc.bulk._client import async_run

        return async_run(self, messages, **options)

    async def aclose(self) -> None:
        """Close the session and the message transport; the client cannot be used afterwards."""
        close = getattr(self.transport, "aclose", None)
        if close is not None:
            await close()
        else:
            self.transport.close()
        if self.sender is not None:
            await asyncio.to_thread(self.sender.close)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
