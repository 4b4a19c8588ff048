"""The emulator's SMPP 3.4 listener: the server side of smsc.smpp's own codec, sharing the emulator's state.

- bind_transmitter / _receiver / _transceiver: system_id = login and that account's password
  (ESME_RBINDFAIL for an unknown login, ESME_RINVPASWD for a wrong password, ESME_RALYBND twice).
- submit_sm goes through the same send pipeline as send.php (validation, billing, status
  lifecycle), so `client.status()` over HTTP sees SMPP messages. Concatenated messages (UDH or SAR)
  are reassembled: every part is answered with the message's id, and the message is stored,
  counted and billed once its last part arrives. message_payload is accepted too.
- Delivery receipts: a submit with registered_delivery gets a deliver_sm (Appendix B text, the
  receipted_message_id / message_state / network_error_code TLVs and SMSC's vendor TLVs) when its
  status becomes final on the emulator's clock, on a receiver or transceiver bind of the same login;
  receipts wait while no such bind is connected.
- query_sm answers from the store; enquire_link and unbind are answered; undecodable PDUs get
  generic_nack (Session); a connection silent for `inactivity` seconds is dropped, as SMSC does
  after two minutes.
- Throttling: more than `throttle` submits per second on one connection get ESME_RTHROTTLED.
- Faults (emulator.faults, command "send"): drop closes the connection without answering the
  submit (it is stored: outcome unknown), delay answers late, refuse resets the connection,
  garbage writes random bytes, http_error answers ESME_RSYSERR.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import hmac
import itertools
import logging
import socket
import ssl
import threading
from datetime import datetime

from attrs import define, field

from smsc._enums import MessageStatus
from smsc._types import MSK
from smsc.emulator._faults import Faults
from smsc.emulator._incoming import Incoming
from smsc.emulator._records import Message
from smsc.emulator._service import ApiCall, Service
from smsc.emulator._smpp_mo import MobileOriginated
from smsc.smpp import CommandStatus, MessageState
from smsc.smpp._parts import PartError, decode_text, is_flash, place_and_payload
from smsc.smpp._pdus import (
    BindReceiver,
    BindTransceiver,
    BindTransmitter,
    DeliverSmResp,
    EnquireLink,
    QuerySm,
    SubmitSm,
    SubmitSmResp,
    Unbind,
)
from smsc.smpp._receipts import receipt_pdu
from smsc.smpp._session import Session, bare_response
from smsc.smpp._time import format_time
from smsc.smpp._wire import HEADER, Pdu

log = logging.getLogger("smsc.emulator.smpp")

# send.php error code -> the command_status a submit_sm gets
_SUBMIT_STATUS = {
    1: CommandStatus.ESME_RSYSERR,
    2: CommandStatus.ESME_RINVSYSID,
    3: CommandStatus.ESME_RSUBMITFAIL,  # no money
    4: CommandStatus.ESME_RSUBMITFAIL,
    5: CommandStatus.ESME_RINVSCHED,
    6: CommandStatus.ESME_RINVSRCADR,  # sender or text denied
    7: CommandStatus.ESME_RINVDSTADR,
    8: CommandStatus.ESME_RSUBMITFAIL,  # undeliverable number
    9: CommandStatus.ESME_RTHROTTLED,  # identical message within a minute, or the rate limits
}


MAX_BATCH = 16
"""Submits stored in one transaction and answered together; more wait for the next turn of the event
loop. Small enough that a client with a window gets its first answers, and sends more, while the
rest are being stored (both sides busy at once); large enough to share the commit's cost."""

RECEIPTS_PER_TURN = 500
"""Receipts sent in one turn of the event loop; more wait for the next, so a burst does not stall it."""

MAX_INCOMPLETE = 1000
"""Concatenated messages one account may have begun and not finished (then ESME_RMSGQFUL)."""


@define
class _Esme:
    """One connection's bind and reassembly state."""

    session: Session
    login: str | None = None
    password: str = field(default="", repr=False)
    mode: str = ""
    window_start: float = 0.0
    window_count: int = 0

    @property
    def can_submit(self) -> bool:
        return self.mode in ("transmitter", "transceiver")

    @property
    def can_receive(self) -> bool:
        return self.mode in ("receiver", "transceiver")


@define
class _Pending:
    """A receipt to deliver when the message's status becomes final."""

    login: str
    message_id: str
    phone: str
    sender: str
    text: str


_Submit = tuple[_Esme, SubmitSm]


class SmppFrontend:
    """The SMPP listener on its own thread and event loop.

    Submits that arrive in one turn of the event loop (from every connection) are stored in one
    SQLite transaction, and answered only once it is committed: an acknowledged submit survives a
    kill of the process when the state is in a file (`db=`). Receipts wait in a heap ordered by the
    time their message becomes final on the emulator's clock; the loop sleeps until the first is
    due or an event (a submit, a bind, `advance()`) wakes it, so waiting receipts cost nothing.
    """

    def __init__(
        self,
        service: Service,
        faults: Faults,
        *,
        ssl_context: ssl.SSLContext | None = None,
        throttle: float | None = None,
        inactivity: float = 120.0,
        receipt_interval: float = 0.1,
    ) -> None:
        self.service = service
        self.faults = faults
        self.ssl_context = ssl_context
        self.throttle = throttle
        self.inactivity = inactivity
        self.receipt_interval = receipt_interval
        """Longest sleep of the receipt loop: a clock source that moves by itself is seen this late."""
        self.esmes: dict[Session, _Esme] = {}
        self._due: list[tuple[float, int, _Pending]] = []  # heap: (final at, on the emulator's clock; order; receipt)
        self._ready: dict[str, list[_Pending]] = {}  # final, waiting for a receiver bind of their login
        self._order = itertools.count()
        self._batch: list[_Submit] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._mo = MobileOriginated()  # incoming messages waiting for a receiver bind
        self._mo_sent: set[asyncio.Task[object]] = set()
        self._wake: asyncio.Event | None = None

    # --- running ------------------------------------------------------------------------------

    def start(self, host: str, port: int) -> int:
        """Listen on host:port (0: a free port) and return the port."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, backlog=128)
        port = sock.getsockname()[1]
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def serve() -> None:
            self._wake = asyncio.Event()
            self._server = await loop.create_server(self._protocol, sock=sock, ssl=self.ssl_context)
            self._tasks = [loop.create_task(self._receipts()), loop.create_task(self._idle_check())]

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(serve())
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._shutdown())
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=f"smsc-emulator-smpp-{port}", daemon=True)
        self._thread.start()
        ready.wait(10)
        return port

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def wake(self) -> None:
        """Look at the receipts again now (the emulator's clock moved); safe from any thread."""
        loop, event = self._loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)

    def deliver_incoming(self, incoming: Incoming) -> None:
        """A message from a phone (emulator.receive): to a receiver bind of its login, now or once one binds."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._queue_incoming, incoming)

    def _queue_incoming(self, incoming: Incoming) -> None:
        self._mo.add(incoming)
        self._flush_incoming()

    def _flush_incoming(self) -> None:
        for login in self._mo.logins():
            session = next(
                (e.session for e in self.esmes.values() if e.login == login and e.can_receive and e.session.is_open),
                None,
            )
            if session is None:
                continue
            for pdus in self._mo.take(login):
                for pdu in pdus:
                    task: asyncio.Task[object] = asyncio.ensure_future(session.request(pdu, 30))
                    self._mo_sent.add(task)
                    task.add_done_callback(self._mo_done)

    def _mo_done(self, task: asyncio.Task[object]) -> None:
        self._mo_sent.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.info("an incoming message was not acknowledged: %s", task.exception())

    async def _shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        while self._batch:
            self._store_batch()
        for esme in list(self.esmes.values()):
            esme.session.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _protocol(self) -> Session:
        refuse = self.faults.pick(None, before=True)
        session = Session(self._on_request, self._on_lost, name="emulator smpp")
        self.esmes[session] = _Esme(session)
        if refuse is not None and refuse.kind == "refuse":
            asyncio.get_running_loop().call_soon(session.abort)
        return session

    def _on_lost(self, session: Session, exc: BaseException | None) -> None:
        self.esmes.pop(session, None)

    # --- requests -----------------------------------------------------------------------------

    def _on_request(self, session: Session, pdu: Pdu) -> None:
        esme = self.esmes.get(session)
        if esme is None:
            return
        if isinstance(pdu, SubmitSm):
            self._submit(esme, pdu)
            return
        while self._batch and isinstance(pdu, Unbind | QuerySm):
            self._store_batch()  # what came before is stored (and answered) first
        if isinstance(pdu, BindTransceiver | BindTransmitter | BindReceiver):
            session.send(
                pdu.response(command_status=self._bind(esme, pdu), system_id="SMSC", sc_interface_version=0x34)
            )
            if esme.can_receive and self._wake is not None:
                self._wake.set()  # receipts may have waited for this bind
        elif isinstance(pdu, EnquireLink):
            session.send(pdu.response())
        elif isinstance(pdu, Unbind):
            session.send(pdu.response())
            session.close_soon()
        elif isinstance(pdu, QuerySm):
            self._query(esme, pdu)
        else:
            session.send_bytes(bare_response(pdu.command_id, pdu.sequence_number, CommandStatus.ESME_RINVCMDID))

    def _bind(self, esme: _Esme, pdu: BindTransceiver | BindTransmitter | BindReceiver) -> int:
        if esme.login is not None:
            return CommandStatus.ESME_RALYBND
        with self.service.lock:
            account = self.service.store.account(pdu.system_id)
        if account is None:
            return CommandStatus.ESME_RBINDFAIL
        if not hmac.compare_digest(pdu.password.encode(), account.password.encode()):
            return CommandStatus.ESME_RINVPASWD
        esme.login, esme.password = account.login, account.password
        esme.mode = pdu.command_name.removeprefix("bind_")
        if esme.can_receive:
            asyncio.get_running_loop().call_soon(self._flush_incoming)  # after the bind response
        return 0

    def _throttled(self, esme: _Esme) -> bool:
        if self.throttle is None:
            return False
        now = asyncio.get_running_loop().time()
        if now - esme.window_start >= 1.0:
            esme.window_start, esme.window_count = now, 0
        esme.window_count += 1
        return esme.window_count > self.throttle

    def _submit(self, esme: _Esme, pdu: SubmitSm) -> None:
        """Refuse at once what needs no storing; queue the rest for this turn's batch."""
        session = esme.session
        if esme.login is None or not esme.can_submit:
            session.send_bytes(bare_response(pdu.command_id, pdu.sequence_number, CommandStatus.ESME_RINVBNDSTS))
            return
        if self._throttled(esme):
            session.send_bytes(bare_response(pdu.command_id, pdu.sequence_number, CommandStatus.ESME_RTHROTTLED))
            return
        before = self.faults.pick("send", before=True)
        if before is not None:
            if before.kind == "refuse":
                session.abort()
                return
            session.send_bytes(bare_response(pdu.command_id, pdu.sequence_number, CommandStatus.ESME_RSYSERR))
            return
        if not self._batch:
            asyncio.get_running_loop().call_soon(self._store_batch)
        self._batch.append((esme, pdu))

    def _store_batch(self) -> None:
        """Store this turn's submits in one transaction, then answer them (never before the commit)."""
        batch, self._batch = self._batch[:MAX_BATCH], self._batch[MAX_BATCH:]
        if not batch:
            return
        if self._batch:  # the rest in the next turn, after the other callbacks waiting
            asyncio.get_running_loop().call_soon(self._store_batch)
        results: list[tuple[int, str]] = []
        receipts: list[_Pending] = []
        try:
            with self.service.batch():
                for esme, pdu in batch:
                    results.append(self._accept(esme, pdu, receipts))
        except Exception:
            log.exception("storing %d submits failed; they are answered ESME_RSYSERR", len(batch))
            results = [(CommandStatus.ESME_RSYSERR, "")] * len(batch)
            receipts = []
        if receipts:  # before the answers: a client that saw its answer finds the receipt planned
            self._schedule(receipts)
        for (esme, pdu), (status, message_id) in zip(batch, results, strict=True):
            self._answer(esme, pdu, status, message_id)
        for session in {esme.session for esme, _ in batch}:
            session.flush()  # the answers now, not after the rest of this turn's submits are stored

    def _answer(self, esme: _Esme, pdu: SubmitSm, status: int, message_id: str) -> None:
        session = esme.session
        after = self.faults.pick("send", before=False) if status == 0 else None
        if status:
            session.send_bytes(bare_response(pdu.command_id, pdu.sequence_number, status))
        elif after is None:
            session.send_bytes(_submit_resp(pdu.sequence_number, message_id))
        elif after.kind == "drop":
            session.abort()  # stored, never answered: the client cannot know
        elif after.kind == "delay":
            asyncio.get_running_loop().call_later(after.seconds, session.send, pdu.response(message_id=message_id))
        elif after.kind == "garbage":
            session.send_bytes(self.faults.garbage_bytes())
            session.close_soon()
        else:  # empty: an answer without the id
            session.send(pdu.response(message_id=""))

    def _accept(self, esme: _Esme, pdu: SubmitSm, receipts: list[_Pending]) -> tuple[int, str]:
        """Reassemble, store and bill (under the service's lock, in the batch); (command_status, message id)."""
        if not esme.session.is_open:
            return CommandStatus.ESME_RSYSERR, ""  # gone before its turn: not stored, nobody to answer
        try:
            concat, payload = place_and_payload(pdu)
        except PartError as refused:
            return refused.status, ""
        assert esme.login is not None
        if concat is not None:
            reference, total, sequence = concat
            key = (pdu.destination_addr, pdu.source_addr, reference, total)
            store = self.service.store  # parts are stored with the batch: an acknowledged one survives kill -9
            found = store.part_message_id(esme.login, key)
            if found is None and store.incomplete_messages(esme.login) >= MAX_INCOMPLETE:
                return CommandStatus.ESME_RMSGQFUL, ""
            message_id = found or str(store.next_number("message_id"))
            parts = store.put_part(esme.login, key, sequence, payload, message_id)
            if len(parts) < total:
                return 0, message_id
            payload = b"".join(parts[i] for i in range(1, total + 1))
            store.drop_parts(esme.login, key)
        else:
            message_id = ""
        text = decode_text(pdu.data_coding, payload)
        if text is None:  # binary data: SMSC sends texts only over SMPP
            return CommandStatus.ESME_RSUBMITFAIL, ""
        params = {
            "login": esme.login,
            "psw": esme.password,
            "phones": pdu.destination_addr,
            "mes": text,
            "fmt": "1",  # the reply "<id>,<parts>": the cheapest to render and read
            "charset": "utf-8",
        }
        if pdu.source_addr:
            params["sender"] = pdu.source_addr
        if message_id:
            params["id"] = message_id
        if is_flash(pdu.data_coding):
            params["flash"] = "1"
        reply = self.service.handle(ApiCall("/sys/send.php", params))
        if reply.error is not None:
            return _SUBMIT_STATUS.get(reply.error, CommandStatus.ESME_RSUBMITFAIL), ""
        message_id = reply.body.split(",", 1)[0]
        if pdu.registered_delivery & 0x03:
            receipts.append(_Pending(esme.login, message_id, pdu.destination_addr, pdu.source_addr, text))
        return 0, message_id

    def _query(self, esme: _Esme, pdu: QuerySm) -> None:
        if esme.login is None:
            esme.session.send_bytes(bare_response(pdu.command_id, pdu.sequence_number, CommandStatus.ESME_RINVBNDSTS))
            return
        found = self.service.message(esme.login, pdu.message_id)  # one indexed lookup
        if found is None:
            esme.session.send_bytes(bare_response(pdu.command_id, pdu.sequence_number, CommandStatus.ESME_RQUERYFAIL))
            return
        final = (
            format_time(found.history[-1].at.replace(microsecond=0)) if found.status.is_final and found.history else ""
        )
        esme.session.send(
            pdu.response(
                message_id=pdu.message_id,
                final_date=final,
                message_state=int(_state(found.status)),
                error_code=int(found.error) & 0xFF,
            )
        )

    # --- receipts and inactivity ------------------------------------------------------------------

    def _schedule(self, receipts: list[_Pending]) -> None:
        """Put receipts in the heap at the time their message becomes final (never-final ones are dropped)."""
        with self.service.lock:
            for p in receipts:
                final_at = self.service.final_at(p.login, p.message_id, p.phone)
                if final_at is not None:
                    heapq.heappush(self._due, (final_at, next(self._order), p))
        if self._wake is not None:
            self._wake.set()

    async def _receipts(self) -> None:
        assert self._wake is not None
        while True:
            await asyncio.sleep(0)  # a turn for the connections between two rounds of receipts
            timeout = None
            if self._due:
                timeout = min(max(self._due[0][0] - self.service.clock.now(), 0.0), self.receipt_interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            now = self.service.clock.now()
            while self._due and self._due[0][0] <= now:
                pending = heapq.heappop(self._due)[2]
                self._ready.setdefault(pending.login, []).append(pending)
            if self._ready:
                self._deliver_ready()

    def _deliver_ready(self) -> None:
        """Send the final receipts of every login that has a receiver bind; the others keep waiting."""
        receivers: dict[str, Session] = {}
        for esme in self.esmes.values():
            if esme.login is not None and esme.can_receive and esme.session.is_open:
                receivers.setdefault(esme.login, esme.session)
        budget = RECEIPTS_PER_TURN
        for login in [name for name in self._ready if name in receivers]:
            waiting = self._ready[login]
            now, later = waiting[:budget], waiting[budget:]
            if later:
                self._ready[login] = later
            else:
                del self._ready[login]
            for p in now:
                message = self.service.message(p.login, p.message_id, p.phone)
                if message is not None:  # deleted meanwhile: no receipt
                    self._send_receipt(receivers[login], p, message)
            budget -= len(now)
            if budget <= 0:
                assert self._wake is not None
                self._wake.set()  # the rest after other connections had their turn
                return

    async def _idle_check(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(self.inactivity / 4, 1.0))
            now = loop.time()
            for esme in list(self.esmes.values()):
                if now - esme.session.last_activity > self.inactivity:
                    log.info("dropping an SMPP connection idle for %.0f s", now - esme.session.last_activity)
                    esme.session.abort()

    def _send_receipt(self, session: Session, p: _Pending, message: Message) -> None:
        done = message.history[-1].at if message.history else datetime.now(MSK)
        pdu = receipt_pdu(
            p.message_id,
            message.status,
            phone=p.phone,
            sender=p.sender,
            submitted_at=message.sent_at,
            done_at=done,
            error=int(message.error),
            text=p.text,
            cost=message.cost,
            parts=message.parts,
            kind=int(message.format),
        )
        future = session.start_request(pdu, 30.0)

        def answered(f: asyncio.Future[Pdu]) -> None:
            ok = (
                not f.cancelled()
                and f.exception() is None
                and isinstance(f.result(), DeliverSmResp)
                and f.result().command_status == 0
            )
            if not ok:  # delivered again on the next bind or wake
                self._ready.setdefault(p.login, []).append(p)

        future.add_done_callback(answered)


def _submit_resp(sequence_number: int, message_id: str) -> bytes:
    """submit_sm_resp with status 0 (§4.4.2: the body is message_id, a C-Octet String), packed directly:
    the one PDU the listener writes per submit."""
    body = message_id.encode("ascii") + b"\x00"
    return HEADER.pack(16 + len(body), SubmitSmResp.command_id, 0, sequence_number) + body


def _state(status: MessageStatus) -> MessageState:
    from smsc.smpp._constants import STATUS_STATES

    return STATUS_STATES.get(status, MessageState.UNKNOWN)
