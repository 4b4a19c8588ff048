"""SyncSmppClient: SmppClient for scripts and threads, on an event loop of its own.

    with SyncSmppClient("smpp.smsc.ru", system_id="login", password="secret") as smpp:
        sent = smpp.send("77011234567", "Hello", source="Shop")
        for receipt in smpp.receipts(timeout=60):
            print(receipt.message_id, receipt.status)

Every method blocks until the asyncio client has finished; handlers (on_receipt, on_message) run
in the client's loop thread. Safe to call from several threads at once: the window still bounds
what is in flight.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Coroutine, Iterator
from types import TracebackType
from typing import Any, Self, TypeVar

from smsc._exceptions import InvalidRequest, TransportError
from smsc._models import Status
from smsc.smpp._client import SmppClient, SmppSendResult
from smsc.smpp._errors import OutcomeUnknown
from smsc.smpp._incoming import MobileMessage
from smsc.smpp._pdus import QuerySmResp, SubmitSm, SubmitSmResp
from smsc.smpp._receipts import Receipt
from smsc.smpp._wire import Pdu

T = TypeVar("T")


class SyncSmppClient:
    """A blocking SmppClient; takes the same arguments (see smsc.smpp.SmppClient).

    `call_timeout` bounds each blocking call (default: the window wait plus the response timeout
    plus some slack), so that a script never hangs.
    """

    def __init__(self, host: str, port: int = 3700, *, call_timeout: float | None = None, **options: Any) -> None:
        self._receipts: queue.SimpleQueue[Receipt] | None = None
        self._messages: queue.SimpleQueue[MobileMessage] | None = None
        if "on_receipt" not in options:
            self._receipts = queue.SimpleQueue()
            options["on_receipt"] = self._receipts.put
        if "on_message" not in options:
            self._messages = queue.SimpleQueue()
            options["on_message"] = self._messages.put
        self.client = SmppClient(host, port, **options)
        self.call_timeout = (
            call_timeout
            if call_timeout is not None
            else (self.client.window_timeout + self.client.response_timeout * (1 + self.client.throttle_retries) + 30)
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Sync{self.client!r}"

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        loop = self._loop
        if loop is None or not loop.is_running():
            coro.close()
            raise TransportError("the SMPP client is not connected (call connect() first)", maybe_sent=False)
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        limit = self.call_timeout if timeout is None else timeout
        try:
            return future.result(limit)
        except TimeoutError:
            future.cancel()
            raise OutcomeUnknown(
                f"the SMPP call did not finish within {limit:g} s; what it sent may have been processed"
            ) from None

    def connect(self, timeout: float | None = None) -> None:
        """Start the client's loop thread, connect and bind (errors as SmppClient.connect).

        `timeout` bounds the whole connect and bind (by default the client's connect and bind timeouts)."""
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name="smsc-smpp", daemon=True)
                self._thread.start()
        try:
            limit = self.client.connect_timeout + self.client.bind_timeout + 5
            self._run(self.client.connect(), limit if timeout is None else min(timeout, limit))
        except BaseException:
            self._stop_loop()
            raise

    @property
    def bound(self) -> bool:
        return self.client.bound

    def send(self, destination: str, text: str, **options: Any) -> SmppSendResult:
        """SmppClient.send, blocking."""
        return self._run(self.client.send(destination, text, **options))

    def submit(self, pdu: SubmitSm) -> SubmitSmResp:
        """SmppClient.submit, blocking."""
        return self._run(self.client.submit(pdu))

    def request(self, pdu: Pdu) -> Pdu:
        """SmppClient.request, blocking."""
        return self._run(self.client.request(pdu))

    def query_sm(self, message_id: str, source_addr: str = "", **options: int) -> QuerySmResp:
        """SmppClient.query_sm, blocking."""
        return self._run(self.client.query_sm(message_id, source_addr, **options))

    def query(self, message_id: str, phone: str = "", *, source_addr: str = "", **options: int) -> Status:
        """SmppClient.query, blocking: the message's smsc.Status."""
        return self._run(self.client.query(message_id, phone, source_addr=source_addr, **options))

    def receipts(self, timeout: float | None = None) -> Iterator[Receipt]:
        """Receipts as they arrive; stops after `timeout` seconds without one (None: never)."""
        if self._receipts is None:
            raise InvalidRequest("receipts go to the on_receipt handler given to this client")
        return _drain(self._receipts, timeout)

    def messages(self, timeout: float | None = None) -> Iterator[MobileMessage]:
        """Mobile-originated messages as they arrive; stops after `timeout` seconds without one."""
        if self._messages is None:
            raise InvalidRequest("messages go to the on_message handler given to this client")
        return _drain(self._messages, timeout)

    def close(self) -> None:
        """Unbind, close and stop the loop thread; idempotent."""
        if self._loop is None:
            return
        try:
            if self._loop.is_running():
                self._run(self.client.close(), 15)
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(5)
        if not loop.is_running():
            loop.close()

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _drain(source: queue.SimpleQueue[T], timeout: float | None) -> Iterator[T]:
    while True:
        try:
            yield source.get(timeout=timeout)
        except queue.Empty:
            return
