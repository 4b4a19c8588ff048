"""SmppClient: an asyncio SMPP 3.4 ESME with a window, keep-alive, receipts and reconnection.

    async with SmppClient("smpp.smsc.ru", 3700, system_id="login", password="secret") as smpp:
        sent = await smpp.send("77011234567", "Hello", source="Shop")
        async for receipt in smpp.receipts():
            print(receipt.message_id, receipt.status)

Delivery guarantees: a request the SMSC acknowledged stays acknowledged; a request in flight when
the connection drops, or whose response does not come in time, fails with OutcomeUnknown and is
never resent by the client (resending is the caller's choice). Throttling answers
(ESME_RTHROTTLED, ESME_RMSGQFUL) are retried with backoff: the SMSC said it did not take them.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import ssl as _ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime, tzinfo
from types import TracebackType
from typing import Any, Literal, Self

from attrs import frozen

from smsc import _redact
from smsc._enums import DeliveryError
from smsc._exceptions import InvalidRequest, ProtocolError, SmscError, TransportError
from smsc._models import Status
from smsc._params import MAX_ID
from smsc._types import MSK
from smsc.smpp._constants import VERSION, CommandStatus, MessageState
from smsc.smpp._errors import (
    BindError,
    BindTimeout,
    OutcomeUnknown,
    ResponseTimeout,
    SessionClosed,
    SmppAuthError,
    SmppStatusError,
    WindowTimeout,
)
from smsc.smpp._incoming import MobileMessage, Reassembler
from smsc.smpp._parts import PartError
from smsc.smpp._pdus import (
    BindReceiver,
    BindTransceiver,
    BindTransmitter,
    DataSm,
    DeliverSm,
    EnquireLink,
    GenericNack,
    QuerySm,
    QuerySmResp,
    SubmitSm,
    SubmitSmResp,
    Unbind,
)
from smsc.smpp._rate import AdaptiveRate
from smsc.smpp._receipts import Receipt, is_receipt, parse_receipt
from smsc.smpp._session import Session
from smsc.smpp._text import LongMode, split_message
from smsc.smpp._time import parse_time
from smsc.smpp._window import Window
from smsc.smpp._wire import Pdu

log = logging.getLogger("smsc.smpp")

BindMode = Literal["transceiver", "transmitter", "receiver"]
_BINDS: dict[str, type[BindTransceiver] | type[BindTransmitter] | type[BindReceiver]] = {
    "transceiver": BindTransceiver,
    "transmitter": BindTransmitter,
    "receiver": BindReceiver,
}
_RETRY_LIMITED = 1  # retries of ESME_RSYSERR


@frozen(kw_only=True)
class SmppSendResult:
    """A message the SMSC accepted: one message id per part (SMS), in order.

    Attributes:
        message_ids: The SMSC's id of each part, from submit_sm_resp.
        parts: Number of parts (submit_sm PDUs) sent.
        data_coding: 0 GSM-7, 8 UCS-2 (with the flash class bits when flash).
    """

    message_ids: tuple[str, ...]
    parts: int
    data_coding: int

    @property
    def message_id(self) -> str:
        """The id of the first part (SMSC reports receipts per part)."""
        return self.message_ids[0]


ReceiptHandler = Callable[[Receipt], Awaitable[None] | None]
MessageHandler = Callable[[MobileMessage], Awaitable[None] | None]


class SmppClient:
    """An SMPP 3.4 client (ESME) for SMSC, on asyncio.

    Args:
        host: the SMSC (SMSC: smpp.smsc.ru or smpp.smscentre.com).
        port: its SMPP port (SMSC: 3700; TLS 3443).
        system_id: the SMPP login (SMSC: the account login; at most 15 characters).
        password: the SMPP password (SMSC: its own SMPP password; at most 8 characters); it never
            appears in logs, reprs or errors.
        bind: "transceiver" (default: submit and receive receipts), "transmitter" or "receiver".
        system_type: sent in the bind ("" by default; SMSC reads "ISO" as: data_coding 0 is Latin-1).
        ssl: an SSLContext (or True for the default context) for TLS; the hostname is checked
            against `server_hostname` (default: host).
        window: requests in flight at most; a caller waits while it is full (default 10, the spec's
            guideline; SMSC suggests 300-2000 for bulk).
        window_timeout: seconds a caller waits for a window slot or a bound session, else WindowTimeout.
        response_timeout: seconds to wait for each response, else ResponseTimeout (outcome unknown).
        connect_timeout: seconds for the TCP/TLS connection.
        bind_timeout: seconds to wait for the bind response.
        enquire_link_interval: seconds of silence before an enquire_link (SMSC drops a connection
            after two minutes of inactivity; 30 by default).
        reconnect: rebind after a lost connection, with exponential backoff between attempts.
        reconnect_delay: (first, longest) pause between reconnection attempts, in seconds.
        rate_limit: submits per second at most (SMSC's account default is 100/s); None = no limit
            until the SMSC throttles. On ESME_RTHROTTLED the rate is halved and then raised again
            slowly (see `rate`), instead of only retrying the refused submit.
        throttle_retries: resends of a submit the SMSC refused with ESME_RTHROTTLED or ESME_RMSGQFUL.
        long_messages: how a text longer than one SMS travels: "udh" (concatenation header, the
            default), "sar" (SAR TLVs) or "payload" (whole text in message_payload).
        registered_delivery: ask for delivery receipts (default True).
        receipt_tz: time zone of the receipts' dates (SMSC writes Moscow time).
        on_receipt: called (or awaited) with each Receipt; without it, receipts queue for receipts().
        on_message: called (or awaited) with each mobile-originated message (smsc.smpp.MobileMessage,
            long messages reassembled); without it, messages queue for messages().
        receipt_queue: receipts (and messages) kept for receipts() and messages(); beyond it the
            SMSC is told to retry later.
    """

    def __init__(
        self,
        host: str,
        port: int = 3700,
        *,
        system_id: str,
        password: str,
        bind: BindMode = "transceiver",
        system_type: str = "",
        ssl: _ssl.SSLContext | bool | None = None,
        server_hostname: str | None = None,
        window: int = 10,
        window_timeout: float = 30.0,
        response_timeout: float = 30.0,
        connect_timeout: float = 10.0,
        bind_timeout: float = 10.0,
        enquire_link_interval: float = 30.0,
        reconnect: bool = True,
        reconnect_delay: tuple[float, float] = (1.0, 60.0),
        rate_limit: float | None = 100.0,
        throttle_retries: int = 5,
        throttle_delay: tuple[float, float] = (0.2, 5.0),
        long_messages: LongMode = "udh",
        registered_delivery: bool = True,
        receipt_tz: tzinfo = MSK,
        on_receipt: ReceiptHandler | None = None,
        on_message: MessageHandler | None = None,
        receipt_queue: int = 100_000,
    ) -> None:
        _redact.register(password)  # before any check: no message may show it
        if bind not in _BINDS:
            raise InvalidRequest(f"bind: {bind!r} is not transceiver, transmitter or receiver")
        if not isinstance(window, int) or window < 1:
            raise InvalidRequest(f"window: {window!r} is not a positive integer")
        if not 0 < enquire_link_interval < 120:
            raise InvalidRequest("enquire_link_interval: must be between 0 and 120 s (SMSC drops idle links at 2 min)")
        self._rate = AdaptiveRate(rate_limit)  # InvalidRequest for a rate that is not positive
        if long_messages not in ("udh", "sar", "payload"):
            raise InvalidRequest(f"long_messages: {long_messages!r} is not udh, sar or payload")
        self.host, self.port = host, port
        self.system_id = system_id
        self._password = password
        self._bind_pdu = _BINDS[bind](
            system_id=system_id, password=password, system_type=system_type, interface_version=VERSION
        )
        self._bind_pdu.encode()  # InvalidRequest now for credentials that do not fit
        self.bind_mode = bind
        self._ssl: _ssl.SSLContext | None = (
            _ssl.create_default_context() if ssl is True else ssl if isinstance(ssl, _ssl.SSLContext) else None
        )
        self._server_hostname = (server_hostname or host) if self._ssl is not None else None
        self.window = window
        self.window_timeout = window_timeout
        self.response_timeout = response_timeout
        self.connect_timeout = connect_timeout
        self.bind_timeout = bind_timeout
        self.enquire_link_interval = enquire_link_interval
        self.reconnect = reconnect
        self.reconnect_delay = reconnect_delay
        self.rate_limit = rate_limit
        """The configured ceiling of submits per second (None: none); `rate` is the one in force."""
        self.throttle_retries = throttle_retries
        self.throttle_delay = throttle_delay
        self.long_messages: LongMode = long_messages
        self.registered_delivery = registered_delivery
        self.receipt_tz = receipt_tz
        self.on_receipt = on_receipt
        self.on_message = on_message
        self.reconnects = 0
        """Successful rebinds after a lost connection."""
        self._receipt_queue_size = receipt_queue
        self._receipts: asyncio.Queue[Receipt | None] | None = None
        self._messages: asyncio.Queue[MobileMessage | None] | None = None
        self._reassembler = Reassembler()
        self._session: Session | None = None
        self._bound: asyncio.Event | None = None
        self._window: Window | None = None
        self._closing = False
        self._failed: SmscError | None = None
        self._tasks: set[asyncio.Future[None]] = set()
        self._reconnect_task: asyncio.Task[None] | None = None
        self._keepalive_task: asyncio.Task[None] | None = None
        self._next_send = 0.0
        self._refs: dict[str, int] = {}

    def __repr__(self) -> str:
        state = "bound" if self.bound else "closed" if self._closing else "not bound"
        return (
            f"SmppClient({self.host!r}, {self.port}, system_id={self.system_id!r}, bind={self.bind_mode!r}, "
            f"window={self.window}, {state})"
        )

    # --- state --------------------------------------------------------------------------------

    @property
    def bound(self) -> bool:
        """True while a session is bound."""
        return self._session is not None and self._session.is_open and self._bound is not None and self._bound.is_set()

    @property
    def rate(self) -> float | None:
        """Submits per second in force now: the ceiling, or less after the SMSC throttled (None: no limit)."""
        return self._rate.current(_now())

    @property
    def throttled(self) -> int:
        """Submits the SMSC refused for their rate (ESME_RTHROTTLED, ESME_RMSGQFUL) so far."""
        return self._rate.throttled

    @property
    def in_flight(self) -> int:
        """Requests sent on the current session and not yet answered."""
        return self._session.in_flight if self._session is not None else 0

    def _init_async(self) -> None:
        if self._bound is None:
            self._bound = asyncio.Event()
            self._window = Window(self.window)
            self._receipts = asyncio.Queue(self._receipt_queue_size)
            self._messages = asyncio.Queue(self._receipt_queue_size)

    # --- connecting ---------------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect and bind; TransportError (refused, timeout), BindTimeout or BindError/SmppAuthError."""
        self._init_async()
        if self._closing:
            raise SessionClosed("the client is closed")
        await self._open()
        self._keepalive_task = asyncio.get_running_loop().create_task(self._keepalive())

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        where = f"{self.host}:{self.port}"
        try:
            _, session = await asyncio.wait_for(
                loop.create_connection(
                    lambda: Session(self._on_request, self._on_lost, name=f"smpp {where}"),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self._server_hostname,
                ),
                self.connect_timeout,
            )
        except TimeoutError:
            raise TransportError(
                f"connecting to {where} timed out after {self.connect_timeout:g} s", maybe_sent=False
            ) from None
        except _ssl.SSLError as exc:
            raise TransportError(f"TLS with {where} failed: {exc}", maybe_sent=False) from exc
        except OSError as exc:
            raise TransportError(f"cannot connect to {where}: {exc.strerror or exc}", maybe_sent=False) from exc
        try:
            resp = await session.request(self._bind_pdu, self.bind_timeout)
        except ResponseTimeout:
            session.abort()
            raise BindTimeout(f"{where} sent no bind response within {self.bind_timeout:g} s") from None
        except (OutcomeUnknown, TransportError) as exc:
            session.abort()
            raise TransportError(f"{where} closed the connection during the bind", maybe_sent=False) from exc
        status = resp.command_status
        if status:
            session.close_soon()
            cls = SmppAuthError if CommandStatus(status).handling == "auth" else BindError
            raise cls(status, self._bind_pdu.command_name)
        if isinstance(resp, GenericNack):
            session.close_soon()
            raise BindError(CommandStatus.ESME_RINVCMDID, self._bind_pdu.command_name)
        if self._closing:
            session.close_soon()
            raise SessionClosed("the client was closed during the bind")
        self._session = session
        assert self._bound is not None
        self._bound.set()
        log.info("bound to %s as %s (%s)", where, self.system_id, self.bind_mode)

    def _on_lost(self, session: Session, exc: BaseException | None) -> None:
        if session is not self._session:
            return
        self._session = None
        assert self._bound is not None
        self._bound.clear()
        if self._closing:
            return
        log.warning("connection to %s:%s lost%s", self.host, self.port, f": {exc}" if exc else "")
        if self.reconnect and (self._reconnect_task is None or self._reconnect_task.done()):
            self._reconnect_task = asyncio.get_running_loop().create_task(self._reconnect_loop())
        elif not self.reconnect:
            self._failed = SessionClosed(f"the connection to {self.host}:{self.port} was lost (reconnect=False)")

    async def _reconnect_loop(self) -> None:
        first, longest = self.reconnect_delay
        delay = first
        while not self._closing:
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            if self._closing:
                return
            try:
                await self._open()
            except SmppAuthError as exc:
                log.error("rebind refused: %s; not retrying", exc)
                self._failed = exc
                assert self._bound is not None
                self._bound.set()  # wake the waiters so that they see the failure
                return
            except (TransportError, BindError) as exc:
                log.warning(
                    "reconnect to %s:%s failed: %s; next try in about %.1f s",
                    self.host,
                    self.port,
                    exc,
                    min(delay * 2, longest),
                )
                delay = min(delay * 2, longest)
                continue
            self.reconnects += 1
            return

    async def _keepalive(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closing:
            session = self._session
            if session is None or not session.is_open:
                await asyncio.sleep(min(1.0, self.enquire_link_interval))
                continue
            idle = loop.time() - session.last_activity
            if idle < self.enquire_link_interval:
                await asyncio.sleep(self.enquire_link_interval - idle)
                continue
            try:
                await session.request(EnquireLink(), min(self.response_timeout, self.enquire_link_interval))
            except (OutcomeUnknown, TransportError):
                if session.is_open:
                    log.warning("no answer to enquire_link from %s:%s; dropping the connection", self.host, self.port)
                    session.abort()

    # --- the peer's requests --------------------------------------------------------------------

    def _on_request(self, session: Session, pdu: Pdu) -> None:
        if isinstance(pdu, EnquireLink):
            session.send(pdu.response())
        elif isinstance(pdu, DeliverSm | DataSm):
            session.send(pdu.response(command_status=self._deliver(pdu)))
        elif isinstance(pdu, Unbind):
            session.send(pdu.response())
            session.close_soon()
        else:
            log.warning("unexpected %s from the SMSC answered with ESME_RINVCMDID", pdu.command_name)
            session.send(GenericNack(sequence_number=pdu.sequence_number, command_status=CommandStatus.ESME_RINVCMDID))

    def _deliver(self, pdu: DeliverSm | DataSm) -> int:
        """Hand a receipt or message on; the command_status for its response."""
        if not is_receipt(pdu):
            return self._incoming(pdu)
        try:
            receipt = parse_receipt(pdu, self.receipt_tz)
        except ProtocolError as exc:
            log.warning("unreadable delivery receipt acknowledged: %s", exc)
            return 0
        if self.on_receipt is not None:
            self._call(self.on_receipt, receipt)
            return 0
        assert self._receipts is not None
        try:
            self._receipts.put_nowait(receipt)
        except asyncio.QueueFull:
            return CommandStatus.ESME_RMSGQFUL  # the SMSC keeps it and retries
        return 0

    def _incoming(self, pdu: DeliverSm | DataSm) -> int:
        """A mobile-originated message (or one part of it): reassemble, then hand it on."""
        assert self._messages is not None
        if self.on_message is None and self._messages.full():
            return CommandStatus.ESME_RMSGQFUL
        try:
            message = self._reassembler.add(pdu, _now(), datetime.now(self.receipt_tz))
        except PartError as exc:
            log.warning("message part from %s refused: %s", pdu.source_addr, exc)
            return exc.status
        if message is None:
            return 0
        if self.on_message is not None:
            self._call(self.on_message, message)
        else:
            self._messages.put_nowait(message)
        return 0

    def _call(self, handler: Callable[..., Awaitable[None] | None], arg: object) -> None:
        try:
            result = handler(arg)
        except Exception:
            log.exception("the %s handler failed", getattr(handler, "__name__", "receipt"))
            return
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a handler failed", exc_info=task.exception())

    async def receipts(self) -> AsyncIterator[Receipt]:
        """Receipts as they arrive (when no on_receipt handler is set); ends when the client closes."""
        self._init_async()
        assert self._receipts is not None
        while not (self._closing and self._receipts.empty()):
            receipt = await self._receipts.get()
            if receipt is None:  # put by close()
                continue
            yield receipt

    async def messages(self) -> AsyncIterator[MobileMessage]:
        """Mobile-originated messages as they arrive (when no on_message handler is set); ends on close."""
        self._init_async()
        assert self._messages is not None
        while not (self._closing and self._messages.empty()):
            message = await self._messages.get()
            if message is None:  # put by close()
                continue
            yield message

    # --- requests -------------------------------------------------------------------------------

    async def request(self, pdu: Pdu, encoded: bytes | None = None) -> Pdu:
        """Send any request through the window and return its response, whatever its status.

        Raises WindowTimeout (nothing sent), OutcomeUnknown (sent, no answer), SessionClosed.
        `encoded` is pdu.encode() done beforehand (it is then not encoded again).
        """
        future = await self._start(pdu, encoded)
        try:
            return await future
        finally:
            self._release()

    async def _start(self, pdu: Pdu, encoded: bytes | None) -> asyncio.Future[Pdu]:
        """Take a window slot, wait for a bound session and the rate limit, send; the response's future.

        The caller frees the slot (`_release`) once that future is done (response, timeout, lost
        connection) or its own wait for it ends (cancelled: the future is cancelled with it).
        """
        window = self._window
        if window is None:
            self._init_async()
            window = self._window
            assert window is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.window_timeout
        if not window.try_acquire() and not await window.acquire(deadline):
            raise WindowTimeout(
                f"the window of {self.window} stayed full for {self.window_timeout:g} s; "
                f"{pdu.command_name} was not sent"
            )
        try:
            session = self._session
            if session is None or not session.is_open or self._failed is not None:
                session = await self._session_before(deadline, pdu)
            delay = self._pace(loop)
            if delay > 0:
                await asyncio.sleep(delay)
            if not session.writable:
                await session.wait_writable()
            return session.start_request(pdu, self.response_timeout, encoded)
        except BaseException:
            window.release()
            raise

    def _release(self) -> None:
        assert self._window is not None
        self._window.release()

    async def _session_before(self, deadline: float, pdu: Pdu) -> Session:
        assert self._bound is not None
        loop = asyncio.get_running_loop()
        while True:
            if self._closing:
                raise SessionClosed(f"the client is closed; {pdu.command_name} was not sent")
            if self._failed is not None:
                raise self._failed
            session = self._session
            if session is not None and session.is_open and self._bound.is_set():
                return session
            if self._session is None and not self._bound.is_set() and self._reconnect_task is None:
                raise SessionClosed(f"not connected (call connect() first); {pdu.command_name} was not sent")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WindowTimeout(
                    f"no bound session within {self.window_timeout:g} s; {pdu.command_name} was not sent"
                )
            if self._bound.is_set():  # bound, but the connection is closing: its loss is being handled
                await asyncio.sleep(0.01)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._bound.wait(), remaining)

    def _pace(self, loop: asyncio.AbstractEventLoop) -> float:
        """Book this submit's place under the rate limit; seconds to wait before sending it (0: none)."""
        now = loop.time()
        rate = self._rate.current(now)
        if rate is None:
            return 0.0
        slot = max(now, self._next_send)
        self._next_send = slot + 1.0 / rate
        return slot - now

    async def submit(self, pdu: SubmitSm, encoded: bytes | None = None) -> SubmitSmResp:
        """Submit one submit_sm; retries only what the SMSC refused with a throttling status.

        Raises SmppStatusError for a refusal, OutcomeUnknown when no answer came, WindowTimeout,
        and InvalidRequest (before sending) for a PDU whose values do not fit.
        """
        if encoded is None:
            encoded = pdu.encode()
        attempt = 0
        while True:
            future = await self._start(pdu, encoded)  # request(), inline: one coroutine less per submit
            try:
                resp = await future
            finally:
                self._release()
            status = resp.command_status
            if status == 0 and isinstance(resp, SubmitSmResp):
                self._rate.accepted(_now())
                return resp
            handling = CommandStatus(status).handling
            if handling == "backoff":
                self._rate.throttle(_now())
            limit = self.throttle_retries if handling == "backoff" else _RETRY_LIMITED if handling == "limited" else 0
            if attempt >= limit:
                raise SmppStatusError(status, pdu.command_name, raw=resp.encode())
            first, longest = self.throttle_delay
            await asyncio.sleep(min(first * 2**attempt, longest) * random.uniform(0.5, 1.0))
            attempt += 1

    async def query_sm(
        self, message_id: str, source_addr: str = "", *, source_addr_ton: int = 0, source_addr_npi: int = 0
    ) -> QuerySmResp:
        """query_sm as it is: the raw query_sm_resp (SmppStatusError when the SMSC refuses)."""
        pdu = QuerySm(
            message_id=message_id,
            source_addr=source_addr,
            source_addr_ton=source_addr_ton,
            source_addr_npi=source_addr_npi,
        )
        resp = await self.request(pdu)
        if resp.command_status or not isinstance(resp, QuerySmResp):
            raise SmppStatusError(resp.command_status or CommandStatus.ESME_RINVCMDID, "query_sm", raw=resp.encode())
        return resp

    async def query(self, message_id: str, phone: str = "", *, source_addr: str = "", **options: int) -> Status:
        """The status of a submitted message, as the same smsc.Status the HTTP status command gives.

        `phone` is the recipient, carried into the Status (query_sm does not return it);
        `source_addr` is the sender the message was submitted with, if the SMSC needs it.
        Raises SmppStatusError (ESME_RQUERYFAIL: no such message), ProtocolError for an
        unreadable answer, and what request() raises.
        """
        resp = await self.query_sm(message_id, source_addr, **options)
        return query_status(resp, phone.removeprefix("+"), self.receipt_tz)

    async def send(
        self,
        destination: str,
        text: str,
        *,
        source: str = "",
        encoding: Literal["auto", "gsm7", "ucs2"] = "auto",
        flash: bool = False,
        registered_delivery: bool | None = None,
        long_messages: LongMode | None = None,
        validity_period: str = "",
        schedule_delivery_time: str = "",
        dest_addr_ton: int = 1,
        dest_addr_npi: int = 1,
        source_addr_ton: int | None = None,
        source_addr_npi: int = 1,
    ) -> SmppSendResult:
        """Send a text to one destination, split into parts as needed; one submit_sm per part.

        Parts go through the window concurrently. If some parts fail, the error raised is the
        first failure and carries `accepted`: the message ids of the parts the SMSC acknowledged.
        """
        destination = destination.removeprefix("+")
        if not destination:
            raise InvalidRequest("destination: empty")
        mode = long_messages or self.long_messages
        ref = self._next_ref(destination)
        split = split_message(text, encoding=encoding, mode=mode, reference=ref, flash=flash)
        if source_addr_ton is None:
            source_addr_ton = 1 if source.lstrip("+").isdigit() else 5 if source else 0
        receipts = self.registered_delivery if registered_delivery is None else registered_delivery
        pdus = [
            SubmitSm(
                source_addr_ton=source_addr_ton,
                source_addr_npi=source_addr_npi if source else 0,
                source_addr=source.removeprefix("+") if source_addr_ton == 1 else source,
                dest_addr_ton=dest_addr_ton,
                dest_addr_npi=dest_addr_npi,
                destination_addr=destination,
                esm_class=part.esm_class,
                data_coding=split.data_coding,
                registered_delivery=int(receipts),
                validity_period=validity_period,
                schedule_delivery_time=schedule_delivery_time,
                short_message=part.short_message,
                message_payload=part.message_payload,
                sar_msg_ref_num=part.sar_msg_ref_num,
                sar_total_segments=part.sar_total_segments,
                sar_segment_seqnum=part.sar_segment_seqnum,
            )
            for part in split.parts
        ]
        encoded = [pdu.encode() for pdu in pdus]  # InvalidRequest for any part before the first is sent
        if len(pdus) == 1:
            resp = await self.submit(pdus[0], encoded[0])
            return SmppSendResult(message_ids=(resp.message_id,), parts=1, data_coding=split.data_coding)
        results = await asyncio.gather(
            *(self.submit(p, e) for p, e in zip(pdus, encoded, strict=True)), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            accepted = tuple(r.message_id for r in results if isinstance(r, SubmitSmResp))
            first = errors[0]
            if isinstance(first, SmscError):
                first.accepted = accepted  # type: ignore[attr-defined]
                if accepted:
                    first.add_note(f"{len(accepted)} of {len(pdus)} parts were accepted: {', '.join(accepted)}")
            raise first
        ids = tuple(r.message_id for r in results if isinstance(r, SubmitSmResp))
        return SmppSendResult(message_ids=ids, parts=len(pdus), data_coding=split.data_coding)

    async def send_many(self, messages: Iterable[tuple[str, str]], **options: Any) -> list[SmppSendResult | SmscError]:
        """Send many (destination, text) pairs with the window kept full; results in the same order.

        Takes send()'s keyword options. A message that fails is reported by its error in the list
        (InvalidRequest, SmppStatusError, OutcomeUnknown, ...), never raised, never resent. The
        messages are read from the iterable as window slots free up, never all at once.
        """
        return await send_concurrently(self.send, messages, self.window, options)

    def _next_ref(self, destination: str) -> int:
        """Concatenation reference: a per-destination counter (never random), 1..65535."""
        ref = self._refs.get(destination, 0) % 65535 + 1
        self._refs[destination] = ref
        if len(self._refs) > 100_000:
            self._refs.clear()
        return ref

    # --- closing --------------------------------------------------------------------------------

    async def close(self, timeout: float = 5.0) -> None:
        """Unbind (waiting up to `timeout` for unbind_resp) and close; idempotent."""
        if self._closing:
            return
        self._closing = True
        if self._bound is not None:
            self._bound.set()
        for task in (self._reconnect_task, self._keepalive_task):
            if task is not None:
                task.cancel()
        session = self._session
        if session is not None and session.is_open:
            with contextlib.suppress(SmscError, TimeoutError):
                await asyncio.wait_for(session.request(Unbind(), timeout), timeout)
            session.close_soon()
            if session.closed is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(session.closed), timeout)
        for handler_task in list(self._tasks):
            handler_task.cancel()
        for queue in (self._receipts, self._messages):
            if queue is not None:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)  # wakes receipts() and messages()
        for task in (self._reconnect_task, self._keepalive_task):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def _now() -> float:
    """The event loop's clock (time.monotonic outside a loop)."""
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        import time

        return time.monotonic()


def query_status(resp: QuerySmResp, phone: str, tz: tzinfo = MSK) -> Status:
    """A query_sm_resp as smsc.Status: state -> MessageStatus, final_date -> changed_at, error_code."""
    try:
        state = MessageState(resp.message_state)
        changed_at = parse_time(resp.final_date, tz)
    except ValueError as exc:
        raise ProtocolError(f"unreadable query_sm_resp: {exc}", raw=resp.encode()) from None
    return Status(
        id=_message_id(resp.message_id),
        phone=phone,
        status=state.status,
        changed_at=changed_at,
        error=DeliveryError(resp.error_code) if resp.error_code else None,
    )


def _message_id(value: str) -> int | str:
    return int(value) if value.isdigit() and value[0] != "0" and int(value) <= MAX_ID else value


async def send_concurrently(
    send: Callable[..., Awaitable[SmppSendResult]],
    messages: Iterable[tuple[str, str]],
    concurrency: int,
    options: dict[str, Any],
) -> list[SmppSendResult | SmscError]:
    """Run `send(destination, text, **options)` for each message, `concurrency` at a time, in order."""
    results: dict[int, SmppSendResult | SmscError] = {}
    queue = iter(enumerate(messages))

    async def worker() -> None:
        for index, (destination, text) in queue:  # one shared iterator: each message is taken once
            try:
                results[index] = await send(destination, text, **options)
            except SmscError as exc:
                results[index] = exc

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return [results[i] for i in range(len(results))]
