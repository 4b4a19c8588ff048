"""A small scriptable SMPP server for tests and benchmarks, built on smsc.smpp's own codec and Session.

Runs in the caller's event loop (`async with SmppTestServer() as server`) or in a thread of its
own (`ThreadedServer`) for synchronous peers such as smpplib. Only 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from attrs import define, field

from smsc import smpp
from smsc.smpp._session import Session


@define
class Faults:
    """What the server does wrong, for tests."""

    delay: float = 0.0  # seconds before each submit_sm_resp
    no_bind_response: bool = False
    throttle_every: int = 0  # every Nth submit_sm is answered ESME_RTHROTTLED
    drop_after: int = 0  # drop the connection when the Nth submit_sm arrives (it and the ones in flight unanswered)
    ignore_enquire_link: bool = False
    silent_submits: bool = False  # never answer submit_sm
    max_rate: int = 0  # submit_sm beyond this many in the last second are answered ESME_RTHROTTLED


@define
class Accepted:
    message_id: str
    pdu: smpp.SubmitSm
    session: int


@define
class SmppTestServer:
    accounts: dict[str, str] = field(factory=lambda: {"demo": "demo"})
    ssl_context: ssl.SSLContext | None = None
    faults: Faults = field(factory=Faults)
    port: int = 0
    accepted: list[Accepted] = field(factory=list)
    received: list[smpp.SubmitSm] = field(factory=list)  # every submit_sm, answered or not
    binds: list[tuple[str, int]] = field(factory=list)  # (system_id, status)
    sessions: list[Session] = field(factory=list)
    enquire_links: int = 0
    submits_seen: int = 0
    throttled: int = 0
    _recent: list[float] = field(factory=list)
    outstanding: int = 0
    max_outstanding: int = 0
    on_submit: Callable[[Session, smpp.SubmitSm, str], None] | None = None
    keep: bool = True  # record received and accepted PDUs (benchmarks turn it off)
    _server: asyncio.Server | None = None
    _next_id: int = 0

    async def start(self) -> SmppTestServer:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, "127.0.0.1", self.port, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for session in self.sessions:
                session.abort()
            await self._server.wait_closed()

    async def __aenter__(self) -> SmppTestServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _protocol(self) -> Session:
        session = Session(self._on_request, name="test server")
        self.sessions = [s for s in self.sessions if s.is_open or self.keep]
        self.sessions.append(session)
        return session

    @property
    def live(self) -> list[Session]:
        return [s for s in self.sessions if s.is_open]

    def drop(self) -> None:
        """Kill every connection now (nothing in flight is answered)."""
        for session in self.sessions:
            session.abort()

    async def deliver(self, pdu: smpp.DeliverSm, timeout: float = 5.0) -> smpp.Pdu:
        """Send a deliver_sm on the latest live session; its response."""
        return await self.live[-1].request(pdu, timeout)

    def _on_request(self, session: Session, pdu: smpp.Pdu) -> None:
        if isinstance(pdu, smpp.BindTransceiver | smpp.BindTransmitter | smpp.BindReceiver):
            if self.faults.no_bind_response:
                return
            if pdu.system_id not in self.accounts:
                status = smpp.CommandStatus.ESME_RINVSYSID
            elif self.accounts[pdu.system_id] != pdu.password:
                status = smpp.CommandStatus.ESME_RINVPASWD
            else:
                status = smpp.CommandStatus.ESME_ROK
            self.binds.append((pdu.system_id, status))
            session.send(pdu.response(command_status=status, system_id="TEST", sc_interface_version=0x34))
        elif isinstance(pdu, smpp.SubmitSm):
            self._submit(session, pdu)
        elif isinstance(pdu, smpp.EnquireLink):
            self.enquire_links += 1
            if not self.faults.ignore_enquire_link:
                session.send(pdu.response())
        elif isinstance(pdu, smpp.Unbind):
            session.send(pdu.response())
            session.close_soon()
        elif isinstance(pdu, smpp.QuerySm):
            known = any(a.message_id == pdu.message_id for a in self.accepted)
            session.send(
                pdu.response(message_id=pdu.message_id, message_state=2)
                if known
                else pdu.response(command_status=smpp.CommandStatus.ESME_RQUERYFAIL)
            )
        else:
            session.send(
                smpp.GenericNack(sequence_number=pdu.sequence_number, command_status=smpp.CommandStatus.ESME_RINVCMDID)
            )

    def _submit(self, session: Session, pdu: smpp.SubmitSm) -> None:
        self.submits_seen += 1
        if self.keep:
            self.received.append(pdu)
        f = self.faults
        if f.drop_after and self.submits_seen % f.drop_after == 0:
            session.abort()
            return
        if f.silent_submits:
            return
        if (f.throttle_every and self.submits_seen % f.throttle_every == 0) or (f.max_rate and self._over_rate()):
            self.throttled += 1
            session.send(pdu.response(command_status=smpp.CommandStatus.ESME_RTHROTTLED))
            return
        self._next_id += 1
        message_id = f"{self._next_id:08x}"
        self.outstanding += 1
        self.max_outstanding = max(self.max_outstanding, self.outstanding)

        def answer() -> None:
            self.outstanding -= 1
            if not session.is_open:
                return
            if self.keep:
                self.accepted.append(Accepted(message_id, pdu, self.sessions.index(session)))
            session.send(pdu.response(message_id=message_id))
            if self.on_submit is not None:
                self.on_submit(session, pdu, message_id)

        if f.delay:
            asyncio.get_running_loop().call_later(f.delay, answer)
        else:
            answer()

    def _over_rate(self) -> bool:
        now = asyncio.get_running_loop().time()
        self._recent = [t for t in self._recent if now - t < 1.0]
        if len(self._recent) >= self.faults.max_rate:
            return True
        self._recent.append(now)
        return False


class ThreadedServer:
    """An SmppTestServer on its own event loop in a daemon thread (for synchronous peers)."""

    def __init__(self, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = SmppTestServer(**options)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> SmppTestServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(5)
        return self.server

    def call(self, fn: Callable[[], Any]) -> Any:
        async def run() -> Any:
            result = fn()
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


@functools.cache
def tls_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server, client) contexts from the run's trustme CA; the certificate names 127.0.0.1 and localhost."""
    from tests.support.tls_support import client_context, server_context

    return server_context(), client_context()


async def _serve_forever(port: int) -> None:
    server = await SmppTestServer(port=port, keep=False).start()
    print(server.port, flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def on_stdin() -> None:
        if not stdin_closed.done() and not os.read(0, 1):
            stdin_closed.set_result(None)

    loop.add_reader(0, on_stdin)
    await stdin_closed
    await server.stop()


if __name__ == "__main__":  # python -m tests.support.smpp_server [port]: serve until stdin closes (benchmarks)
    asyncio.run(_serve_forever(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
