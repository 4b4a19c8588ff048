"""One SMPP connection, either side: framing, request/response correlation, batched writes.

`Session` is an asyncio.Protocol. It assigns sequence numbers, matches each response to its
waiting request (any order), fails a request whose response does not come within its timeout,
answers undecodable PDUs with generic_nack (or the request's own response with an error status),
and on connection loss fails every request in flight with OutcomeUnknown. What to do with the
peer's requests is up to `on_request` (the client answers enquire_link and deliver_sm; a server
answers binds and submits).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from smsc._exceptions import ProtocolError, TransportError
from smsc.smpp._codec import decode
from smsc.smpp._constants import MAX_LENGTH, CommandStatus
from smsc.smpp._errors import OutcomeUnknown, PduError, ResponseTimeout
from smsc.smpp._pdus import RESPONSES, GenericNack
from smsc.smpp._wire import HEADER, RESPONSE_BIT, Pdu

log = logging.getLogger("smsc.smpp")

MAX_SEQUENCE = 0x7FFFFFFF
FLUSH_EVERY = 4
"""PDUs written together at most before a loop turn ends (see Session's flush_every)."""


class Session(asyncio.Protocol):
    """An SMPP connection; create it through loop.create_connection or start_server.

    Args:
        on_request: called with (session, pdu) for every request the peer sends.
        on_lost: called with (session, exception or None) once the connection is gone.
        name: a label for logs ("client", "server 127.0.0.1:5000").
        max_length: largest command_length accepted.
        flush_every: PDUs queued in one loop turn that are written at once, without waiting for
            the turn's end, so that the peer starts on them while the rest are being prepared
            (with a window of requests, both sides then work at the same time).
    """

    def __init__(
        self,
        on_request: Callable[[Session, Pdu], None],
        on_lost: Callable[[Session, BaseException | None], None] | None = None,
        *,
        name: str = "smpp",
        max_length: int = MAX_LENGTH,
        flush_every: int = FLUSH_EVERY,
    ) -> None:
        from smsc.smpp._codec import PduReader

        self.on_request = on_request
        self.on_lost = on_lost
        self.name = name
        self.transport: asyncio.Transport | None = None
        self.closed: asyncio.Future[None] | None = None
        self.last_activity = 0.0
        self.peer: Any = None
        self._reader = PduReader(max_length)
        self._pending: dict[int, _Waiting] = {}
        self._sweep_at: float | None = None  # when the response-timeout sweep is due
        self._sweep_handle: asyncio.TimerHandle | None = None
        self._sequence = 0
        self._out: list[bytes] = []
        self._flush_scheduled = False
        self._flush_every = flush_every
        self._writable: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._loop = asyncio.get_running_loop()
        self.closed = self._loop.create_future()
        self._writable = asyncio.Event()
        self._writable.set()
        self.peer = transport.get_extra_info("peername")
        self.last_activity = self._loop.time()

    def data_received(self, data: bytes) -> None:
        assert self._loop is not None
        self.last_activity = self._loop.time()
        self._reader.feed(data)
        while self.transport is not None:
            try:
                frame = self._reader.next_frame()
            except PduError as exc:  # a bad command_length: the stream cannot be resynchronised
                log.warning("%s: %s; closing the connection", self.name, exc)
                self.send(GenericNack(sequence_number=exc.sequence_number or 0, command_status=exc.status))
                self.close_soon()
                return
            if frame is None:
                return
            try:
                pdu = decode(frame)
            except PduError as exc:
                self._refuse(exc)
                continue
            if pdu.is_response:
                self._resolve(pdu)
            else:
                try:
                    self.on_request(self, pdu)
                except Exception:  # a handler bug must not kill the connection silently
                    log.exception("%s: handler failed on %s", self.name, pdu.command_name)
                    self.send_bytes(bare_response(pdu.command_id, pdu.sequence_number, CommandStatus.ESME_RSYSERR))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        pending, self._pending = self._pending, {}
        if self._sweep_handle is not None:
            self._sweep_handle.cancel()
        for seq, waiting in pending.items():
            waiting.fail(
                OutcomeUnknown(
                    f"the connection closed with {waiting.command} (sequence {seq}) unanswered;"
                    " it may have been processed",
                    command=waiting.command,
                    sequence_number=seq,
                )
            )
        if self._writable is not None:
            self._writable.set()
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)
        if self.on_lost is not None:
            self.on_lost(self, exc)

    def pause_writing(self) -> None:
        if self._writable is not None:
            self._writable.clear()

    def resume_writing(self) -> None:
        if self._writable is not None:
            self._writable.set()

    # --- sending --------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    @property
    def in_flight(self) -> int:
        """Requests sent and not yet answered."""
        return len(self._pending)

    def send(self, pdu: Pdu, sequence_number: int | None = None) -> None:
        """Queue one PDU (a response, or a request nobody waits for); written with the next `flush_every`
        PDUs, or at the end of this loop turn."""
        self.send_bytes(pdu.encode(sequence_number))

    def send_bytes(self, data: bytes) -> None:
        if self.transport is None:
            return
        out = self._out
        out.append(data)
        if len(out) >= self._flush_every:
            self.flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._end_turn)

    def _end_turn(self) -> None:
        self._flush_scheduled = False
        self.flush()

    def flush(self) -> None:
        """Write what is queued now."""
        if self._out and self.transport is not None and not self.transport.is_closing():
            data = b"".join(self._out) if len(self._out) > 1 else self._out[0]
            self.transport.write(data)
            assert self._loop is not None
            self.last_activity = self._loop.time()
        self._out.clear()

    def next_sequence(self) -> int:
        seq = self._sequence
        while True:
            seq = seq + 1 if seq < MAX_SEQUENCE else 1
            if seq not in self._pending:
                self._sequence = seq
                return seq

    @property
    def writable(self) -> bool:
        """False while the transport's buffer is full (wait_writable() before sending more)."""
        return self._writable is None or self._writable.is_set()

    async def wait_writable(self) -> None:
        if self._writable is not None:
            await self._writable.wait()

    def start_request(self, pdu: Pdu, timeout: float | None, encoded: bytes | None = None) -> asyncio.Future[Pdu]:
        """Send a request now; the future of its response (any command_status), or of OutcomeUnknown.

        `encoded` is `pdu.encode()` done earlier (any sequence number): it is reused, not re-encoded.
        """
        if self.transport is None or self.transport.is_closing():
            raise TransportError(
                f"{self.name}: the connection is closed; {pdu.command_name} was not sent", maybe_sent=False
            )
        assert self._loop is not None
        seq = self.next_sequence()
        # encode() raises InvalidRequest before anything is registered or sent
        data = pdu.encode(seq) if encoded is None else encoded[:12] + seq.to_bytes(4, "big") + encoded[16:]
        waiting = _Waiting(self._loop.create_future(), pdu.command_name, pdu.command_id | RESPONSE_BIT)
        if timeout is not None:
            waiting.timeout = timeout
            waiting.deadline = deadline = self._loop.time() + timeout
            if self._sweep_at is None or deadline < self._sweep_at:
                self._arm(deadline)
        self._pending[seq] = waiting
        self.send_bytes(data)
        return waiting.future

    async def request(self, pdu: Pdu, timeout: float | None, encoded: bytes | None = None) -> Pdu:
        """Send a request and wait for its response (any command_status); OutcomeUnknown if none comes."""
        if not self.writable:
            await self.wait_writable()
        return await self.start_request(pdu, timeout, encoded)

    def _arm(self, when: float) -> None:
        """One timer serves every response timeout: it fires at the earliest deadline known."""
        assert self._loop is not None
        if self._sweep_handle is not None:
            self._sweep_handle.cancel()
        self._sweep_at = when
        self._sweep_handle = self._loop.call_at(when, self._sweep)

    def _sweep(self) -> None:
        assert self._loop is not None
        self._sweep_at = self._sweep_handle = None
        now = self._loop.time()
        expired = [seq for seq, w in self._pending.items() if w.deadline <= now]
        for seq in expired:
            waiting = self._pending.pop(seq)
            waiting.fail(
                ResponseTimeout(
                    f"no response to {waiting.command} (sequence {seq}) within {waiting.timeout:g} s; "
                    "it may have been processed",
                    command=waiting.command,
                    sequence_number=seq,
                )
            )
        upcoming = min((w.deadline for w in self._pending.values()), default=None)
        if upcoming is not None and upcoming != float("inf"):
            self._arm(upcoming)

    def _resolve(self, pdu: Pdu) -> None:
        waiting = self._pending.pop(pdu.sequence_number, None)
        if waiting is None:
            log.warning(
                "%s: %s for unknown or expired sequence %d ignored (status 0x%X)",
                self.name,
                pdu.command_name,
                pdu.sequence_number,
                pdu.command_status,
            )
            return
        if pdu.command_id != waiting.response_id and not isinstance(pdu, GenericNack):
            waiting.fail(
                ProtocolError(
                    f"{pdu.command_name} answered {waiting.command} (sequence {pdu.sequence_number})", raw=pdu.encode()
                )
            )
            return
        if not waiting.future.done():
            waiting.future.set_result(pdu)

    def _refuse(self, exc: PduError) -> None:
        """Answer a PDU that did not decode: its own response with an error status, or generic_nack."""
        log.warning("%s: %s", self.name, exc)
        command_id, seq = exc.command_id, exc.sequence_number or 0
        if command_id is not None and command_id & RESPONSE_BIT:
            waiting = self._pending.pop(seq, None)
            if waiting is not None:
                waiting.fail(exc)
            return
        if command_id is not None and command_id in RESPONSES:
            self.send_bytes(bare_response(command_id, seq, exc.status))
        else:
            self.send(GenericNack(sequence_number=seq, command_status=exc.status))

    # --- closing --------------------------------------------------------------------------------

    def close_soon(self) -> None:
        """Close after what is queued has been written."""
        if self.transport is not None:
            self.flush()
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection at once (nothing more is written)."""
        if self.transport is not None:
            self.transport.abort()


class _Waiting:
    """A request in flight: its future, name, expected response id and deadline."""

    __slots__ = ("command", "deadline", "future", "response_id", "timeout")

    def __init__(self, future: asyncio.Future[Pdu], command: str, response_id: int) -> None:
        self.future = future
        self.command = command
        self.response_id = response_id
        self.timeout = 0.0
        self.deadline = float("inf")

    def fail(self, exc: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(exc)


def bare_response(request_id: int, sequence_number: int, status: int) -> bytes:
    """An error response without a body (§4.4.2), or generic_nack for a command without a response."""
    response_id = request_id | RESPONSE_BIT if request_id in RESPONSES else GenericNack.command_id
    return HEADER.pack(16, response_id, status, sequence_number)
