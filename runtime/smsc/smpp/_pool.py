"""SmppPool: several bound SMPP sessions used as one client.

    async with SmppPool("smpp.smsc.ru", binds=4, system_id="login", password="secret", rate_limit=200) as pool:
        results = await pool.send_many((phone, "Hello") for phone in phones)
        async for receipt in pool.receipts():
            ...

An SMSC account allows several binds; one session's window and rate then stop being the limit.
Each send goes to the bound session with the fewest requests in flight; the account's rate limit
is shared out between the sessions (each adapts its own share after throttling); each session
reconnects on its own after a lost connection; receipts and mobile-originated messages from
every session arrive in one stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from types import TracebackType
from typing import Any, Self

from smsc._exceptions import InvalidRequest, SmscError
from smsc._models import Status
from smsc.smpp._client import MessageHandler, ReceiptHandler, SmppClient, SmppSendResult, send_concurrently
from smsc.smpp._incoming import MobileMessage
from smsc.smpp._receipts import Receipt


class SmppPool:
    """`binds` SmppClient sessions to one SMSC as one client (see the module docstring).

    Args:
        host: the SMSC, as for SmppClient.
        port: its SMPP port (3700; TLS 3443).
        binds: how many sessions to bind (the SMSC account must allow as many).
        system_id: the SMPP login, as for SmppClient.
        password: the SMPP password, as for SmppClient; never logged or shown.
        rate_limit: submits per second for the whole account (None: none), shared out equally.
        on_receipt: called with every session's receipts; without it, they queue for receipts().
        on_message: called with every session's incoming messages; without it, they queue for messages().
        receipt_queue: receipts (and messages) kept for receipts() and messages().
        options: anything else SmppClient takes (window is per session).
    """

    def __init__(
        self,
        host: str,
        port: int = 3700,
        *,
        binds: int = 2,
        system_id: str,
        password: str,
        rate_limit: float | None = 100.0,
        on_receipt: ReceiptHandler | None = None,
        on_message: MessageHandler | None = None,
        receipt_queue: int = 100_000,
        **options: Any,
    ) -> None:
        if not isinstance(binds, int) or isinstance(binds, bool) or binds < 1:
            raise InvalidRequest(f"binds: {binds!r} is not a positive integer")
        if rate_limit is not None and not rate_limit > 0:
            raise InvalidRequest("rate_limit: must be positive, or None for no limit")
        self.host, self.port, self.system_id = host, port, system_id
        self.rate_limit = rate_limit
        self._queue_size = receipt_queue
        self._receipts: asyncio.Queue[Receipt | None] | None = None
        self._messages: asyncio.Queue[MobileMessage | None] | None = None
        self._closing = False
        share = rate_limit / binds if rate_limit is not None else None
        self.clients = [
            SmppClient(
                host,
                port,
                system_id=system_id,
                password=password,
                rate_limit=share,
                on_receipt=on_receipt or self._on_receipt,
                on_message=on_message or self._on_message,
                receipt_queue=receipt_queue,
                **options,
            )
            for _ in range(binds)
        ]
        """The sessions, in bind order."""

    def __repr__(self) -> str:
        return f"SmppPool({self.host!r}, {self.port}, system_id={self.system_id!r}, binds={len(self.clients)})"

    def _queues(self) -> tuple[asyncio.Queue[Receipt | None], asyncio.Queue[MobileMessage | None]]:
        if self._receipts is None or self._messages is None:
            self._receipts, self._messages = asyncio.Queue(self._queue_size), asyncio.Queue(self._queue_size)
        return self._receipts, self._messages

    def _on_receipt(self, receipt: Receipt) -> Any:
        return self._queues()[0].put(receipt)  # awaited by the session: back-pressure, never a drop

    def _on_message(self, message: MobileMessage) -> Any:
        return self._queues()[1].put(message)

    # --- state -----------------------------------------------------------------------------------

    @property
    def bound(self) -> int:
        """How many sessions are bound now."""
        return sum(client.bound for client in self.clients)

    @property
    def in_flight(self) -> int:
        """Requests in flight over every session."""
        return sum(client.in_flight for client in self.clients)

    @property
    def rate(self) -> float | None:
        """Submits per second in force over every session (None: at least one has no limit)."""
        rates = [client.rate for client in self.clients]
        return None if any(r is None for r in rates) else sum(r for r in rates if r is not None)

    @property
    def throttled(self) -> int:
        """Submits refused for their rate, over every session."""
        return sum(client.throttled for client in self.clients)

    # --- connecting and closing -----------------------------------------------------------------

    async def connect(self) -> None:
        """Bind every session; if one cannot bind, the others are closed and its error raised."""
        self._queues()
        results = await asyncio.gather(*(client.connect() for client in self.clients), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            await self.close()
            raise errors[0]

    async def close(self, timeout: float = 5.0) -> None:
        """Unbind and close every session; idempotent."""
        if self._closing:
            return
        self._closing = True
        await asyncio.gather(*(client.close(timeout) for client in self.clients), return_exceptions=True)
        for queue in (self._receipts, self._messages):
            if queue is not None:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # --- sending -------------------------------------------------------------------------------

    def _pick(self) -> SmppClient:
        """The bound session with the fewest requests in flight (any session while none is bound)."""
        bound = [client for client in self.clients if client.bound]
        return min(bound or self.clients, key=lambda client: client.in_flight)

    async def send(self, destination: str, text: str, **options: Any) -> SmppSendResult:
        """SmppClient.send on the least busy bound session."""
        return await self._pick().send(destination, text, **options)

    async def send_many(self, messages: Iterable[tuple[str, str]], **options: Any) -> list[SmppSendResult | SmscError]:
        """SmppClient.send_many over every session: as many in progress as all their windows hold."""
        concurrency = sum(client.window for client in self.clients)
        return await send_concurrently(self.send, messages, concurrency, options)

    async def query(self, message_id: str, phone: str = "", **options: Any) -> Status:
        """SmppClient.query on a bound session."""
        return await self._pick().query(message_id, phone, **options)

    # --- receiving -------------------------------------------------------------------------------

    async def receipts(self) -> AsyncIterator[Receipt]:
        """Receipts from every session (when no on_receipt handler is set); ends on close."""
        queue = self._queues()[0]
        while not (self._closing and queue.empty()):
            receipt = await queue.get()
            if receipt is not None:
                yield receipt

    async def messages(self) -> AsyncIterator[MobileMessage]:
        """Mobile-originated messages from every session (when no on_message handler is set)."""
        queue = self._queues()[1]
        while not (self._closing and queue.empty()):
            message = await queue.get()
            if message is not None:
                yield message
