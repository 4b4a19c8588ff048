"""SmppClient against a small SMPP server built on our codec, over 127.0.0.1: binds, window, timeouts,
keep-alive, receipts, long messages, TLS, and the connection killed mid-window."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

import smsc
from smsc import smpp
from smsc.smpp import SmppClient
from smsc.smpp._receipts import receipt_pdu
from smsc.text._gsm import encode_gsm7, encode_ucs2
from smsc.text._udh import join_udh
from tests.support.smpp_server import Faults, SmppTestServer, tls_contexts

T = TypeVar("T")


def run(coro: Awaitable[T], timeout: float = 20.0) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def client(server: SmppTestServer, **options: Any) -> SmppClient:
    options.setdefault("rate_limit", None)
    options.setdefault("reconnect_delay", (0.05, 0.2))
    return SmppClient("127.0.0.1", server.port, system_id="demo", password="demo", **options)


async def with_server(body: Callable[[SmppTestServer], Awaitable[T]], **options: Any) -> T:
    async with SmppTestServer(**options) as server:
        return await body(server)


# --- binding -------------------------------------------------------------------------------------


def test_bind_send_and_close() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server) as c:
            assert c.bound and "demo" in repr(c) and "password" not in repr(c)
            sent = await c.send("+77011234567", "Hello @ world", source="Shop")
        assert sent.parts == 1 and sent.message_ids == (server.accepted[0].message_id,)
        pdu = server.accepted[0].pdu
        assert pdu.destination_addr == "77011234567" and pdu.dest_addr_ton == 1
        assert pdu.source_addr == "Shop" and pdu.source_addr_ton == 5
        assert pdu.short_message == encode_gsm7("Hello @ world") and b"\x00" in pdu.short_message
        assert pdu.data_coding == 0 and pdu.registered_delivery == 1
        assert not c.bound
        with pytest.raises(smpp.SessionClosed):
            await c.send("77011234567", "again")
        assert server.binds == [("demo", 0)]

    run(with_server(body))


@pytest.mark.parametrize(("system_id", "password", "code"), [("demo", "wrong", 0x0E), ("nobody", "demo", 0x0F)])
def test_bad_credentials(system_id: str, password: str, code: int) -> None:
    async def body(server: SmppTestServer) -> None:
        c = SmppClient("127.0.0.1", server.port, system_id=system_id, password=password)
        with pytest.raises(smpp.SmppAuthError) as info:
            await c.connect()
        assert info.value.code == code and isinstance(info.value, smsc.AuthError)
        assert password not in str(info.value) or password == "demo"
        await c.close()

    run(with_server(body))


def test_connection_refused() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now

    async def body() -> None:
        c = SmppClient("127.0.0.1", port, system_id="demo", password="demo", connect_timeout=2)
        with pytest.raises(smsc.TransportError, match="cannot connect"):
            await c.connect()

    run(body())


def test_bind_without_response_times_out() -> None:
    async def body(server: SmppTestServer) -> None:
        c = client(server, bind_timeout=0.3)
        with pytest.raises(smpp.BindTimeout, match="no bind response"):
            await c.connect()

    run(with_server(body, faults=Faults(no_bind_response=True)))


def test_credentials_are_checked_before_connecting() -> None:
    with pytest.raises(smsc.InvalidRequest, match="password"):
        SmppClient("127.0.0.1", 1, system_id="demo", password="123456789")
    with pytest.raises(smsc.InvalidRequest, match="enquire_link_interval"):
        SmppClient("127.0.0.1", 1, system_id="demo", password="demo", enquire_link_interval=150)


# --- window and timeouts --------------------------------------------------------------------------


def test_window_is_never_exceeded() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, window=4) as c:
            results = await asyncio.gather(*(c.send("7701", f"m{i}") for i in range(40)))
        assert len({r.message_id for r in results}) == 40
        assert server.max_outstanding == 4

    run(with_server(body, faults=Faults(delay=0.01)))


def test_full_window_blocks_then_times_out_without_sending() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, window=2, window_timeout=0.3, response_timeout=5) as c:
            first = [asyncio.ensure_future(c.send("7701", f"m{i}")) for i in range(2)]
            await asyncio.sleep(0.05)
            assert c.in_flight == 2
            with pytest.raises(smpp.WindowTimeout, match="stayed full"):
                await c.send("7701", "third")
            assert server.submits_seen == 2
            for f in first:
                f.cancel()

    run(with_server(body, faults=Faults(silent_submits=True)))


def test_window_slot_frees_and_the_waiting_caller_proceeds() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, window=1, window_timeout=5) as c:
            results = await asyncio.gather(c.send("7701", "a"), c.send("7701", "b"), c.send("7701", "c"))
        assert [r.message_id for r in results] == [a.message_id for a in server.accepted]
        assert server.max_outstanding == 1

    run(with_server(body, faults=Faults(delay=0.02)))


def test_response_timeout_fails_that_request_only() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, response_timeout=0.2) as c:
            with pytest.raises(smpp.ResponseTimeout) as info:
                await c.send("7701", "lost")
            assert isinstance(info.value, smpp.OutcomeUnknown) and info.value.command == "submit_sm"
            server.faults.silent_submits = False
            assert (await c.send("7701", "ok")).parts == 1

    run(with_server(body, faults=Faults(silent_submits=True)))


def test_throttled_submits_are_retried_with_backoff() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, throttle_delay=(0.01, 0.05)) as c:
            results = await asyncio.gather(*(c.send("7701", f"m{i}") for i in range(9)))
        assert len(results) == 9 and len(server.accepted) == 9 and server.submits_seen > 9

    run(with_server(body, faults=Faults(throttle_every=3)))


def test_refusal_that_is_not_throttling_is_not_retried() -> None:
    async def body(server: SmppTestServer) -> None:
        def refuse(session: Any, pdu: smpp.Pdu) -> None:
            session.send(pdu.response(command_status=smpp.CommandStatus.ESME_RINVDSTADR))  # type: ignore[attr-defined]

        async with client(server) as c:
            original = server.sessions[-1].on_request
            server.sessions[-1].on_request = lambda s, p: (refuse if isinstance(p, smpp.SubmitSm) else original)(s, p)
            with pytest.raises(smpp.SmppStatusError) as info:
                await c.send("7701", "x")
        assert info.value.code == 0x0B and info.value.status.name == "ESME_RINVDSTADR" and not info.value.retryable

    run(with_server(body))


def test_rate_limit_paces_submits() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, rate_limit=50) as c:
            loop = asyncio.get_running_loop()
            start = loop.time()
            await asyncio.gather(*(c.send("7701", f"m{i}") for i in range(11)))
            assert loop.time() - start >= 0.19  # 11 sends at 50/s: the last one 200 ms after the first

    run(with_server(body))


# --- keep-alive, the server's requests --------------------------------------------------------------


def test_enquire_link_when_idle_and_answers_to_the_server() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, enquire_link_interval=0.15) as c:
            for _ in range(100):  # two are due within 0.3 s; a loaded machine may take longer
                if server.enquire_links >= 2:
                    break
                await asyncio.sleep(0.05)
            assert server.enquire_links >= 2
            resp = await server.live[-1].request(smpp.EnquireLink(), 2)
            assert isinstance(resp, smpp.EnquireLinkResp) and c.bound

    run(with_server(body))


def test_unanswered_enquire_link_drops_and_rebinds() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, enquire_link_interval=0.1, response_timeout=0.2) as c:
            await asyncio.sleep(0.5)
            server.faults.ignore_enquire_link = False
            for _ in range(100):
                if c.reconnects:
                    break
                await asyncio.sleep(0.05)
            assert c.reconnects >= 1 and len(server.binds) >= 2
            assert (await c.send("7701", "after")).parts == 1

    run(with_server(body, faults=Faults(ignore_enquire_link=True)))


def test_server_unbind_is_answered() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, reconnect=False):
            resp = await server.live[-1].request(smpp.Unbind(), 2)
            assert isinstance(resp, smpp.UnbindResp)

    run(with_server(body))


def test_undecodable_pdus_get_generic_nack() -> None:
    async def body(server: SmppTestServer) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(struct.pack(">IIII", 16, 0x00000777, 0, 42))  # unknown command id
        writer.write(struct.pack(">IIII", 20, 4, 0, 43) + b"abcd")  # submit_sm without NULs
        head = await reader.readexactly(32)
        nack = smpp.decode(head[:16])
        assert nack == smpp.GenericNack(sequence_number=42, command_status=smpp.CommandStatus.ESME_RINVCMDID)
        resp = smpp.decode(head[16:])
        assert isinstance(resp, smpp.SubmitSmResp) and resp.sequence_number == 43 and resp.command_status
        writer.write(struct.pack(">I", 3))  # impossible length: nack and close
        rest = await reader.read()
        assert smpp.decode(rest[:16]).command_status == smpp.CommandStatus.ESME_RINVCMDLEN
        writer.close()

    run(with_server(body))


# --- receipts ----------------------------------------------------------------------------------


def _receipting(server: SmppTestServer) -> None:
    def on_submit(session: Any, pdu: smpp.SubmitSm, message_id: str) -> None:
        now = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
        receipt = receipt_pdu(
            message_id,
            smsc.MessageStatus.DELIVERED,
            phone=pdu.destination_addr,
            sender=pdu.source_addr,
            submitted_at=now,
            done_at=now,
            text="Hello",
            cost=smsc_cost,
            parts=1,
        )
        asyncio.get_running_loop().create_task(session.request(receipt, 5))

    server.on_submit = on_submit


smsc_cost = __import__("decimal").Decimal("1.2")


def test_receipts_arrive_as_an_async_iterator() -> None:
    async def body(server: SmppTestServer) -> None:
        _receipting(server)
        async with client(server) as c:
            sent = await asyncio.gather(*(c.send(f"7701{i}", "Hello") for i in range(3)))
            got = []
            async for receipt in c.receipts():
                got.append(receipt)
                if len(got) == 3:
                    break
        assert {r.message_id for r in got} == {s.message_id for s in sent}
        assert all(r.status is smsc.MessageStatus.DELIVERED and r.state is smpp.MessageState.DELIVERED for r in got)
        assert got[0].cost == smsc_cost and got[0].parts == 1 and got[0].text == "Hello"
        assert got[0].done_at == datetime(2026, 11, 27, 10, 30, tzinfo=smsc.MSK)

    run(with_server(body))


def test_receipts_to_a_callback() -> None:
    async def body(server: SmppTestServer) -> None:
        _receipting(server)
        got: list[smpp.Receipt] = []
        done = asyncio.Event()

        async def on_receipt(r: smpp.Receipt) -> None:
            got.append(r)
            done.set()

        async with client(server, on_receipt=on_receipt) as c:
            sent = await c.send("7701", "Hello")
            await asyncio.wait_for(done.wait(), 5)
        assert got[0].message_id == sent.message_id and got[0].phone == "7701"

    run(with_server(body))


# --- long messages ---------------------------------------------------------------------------------


def test_long_gsm_message_with_udh() -> None:
    async def body(server: SmppTestServer) -> None:
        text = "a" * 152 + "€" + "b" * 10
        async with client(server) as c:
            sent = await c.send("7701", text)
        assert sent.parts == 2 and len(sent.message_ids) == 2
        pdus = [a.pdu for a in server.accepted]
        assert all(p.esm_class == 0x40 and p.data_coding == 0 for p in pdus)
        assert join_udh([p.short_message for p in pdus]) == encode_gsm7(text)

    run(with_server(body))


def test_long_ucs2_message_with_sar_and_payload() -> None:
    async def body(server: SmppTestServer) -> None:
        text = "Привет, мир! " * 6  # 78 characters: two UCS-2 parts
        async with client(server, long_messages="sar") as c:
            await c.send("7701", text)
            await c.send("7702", text, long_messages="payload")
        sar = [a.pdu for a in server.accepted if a.pdu.destination_addr == "7701"]
        assert [p.sar_segment_seqnum for p in sar] == [1, 2] and {p.sar_total_segments for p in sar} == {2}
        assert sar[0].esm_class == 0 and sar[0].data_coding == 8
        assert b"".join(p.short_message for p in sar) == encode_ucs2(text)
        payload = next(a.pdu for a in server.accepted if a.pdu.destination_addr == "7702")
        assert payload.message_payload == encode_ucs2(text) and payload.short_message == b""

    run(with_server(body))


def test_invalid_text_is_refused_before_sending() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server) as c:
            with pytest.raises(smsc.InvalidRequest):
                await c.send("7701", "Привет", encoding="gsm7")
        assert server.submits_seen == 0

    run(with_server(body))


# --- TLS --------------------------------------------------------------------------------------------


def test_tls() -> None:
    server_ctx, client_ctx = tls_contexts()

    async def body(server: SmppTestServer) -> None:
        async with client(server, ssl=client_ctx, server_hostname="localhost") as c:
            assert (await c.send("7701", "secure")).parts == 1

    run(with_server(body, ssl_context=server_ctx))


def test_tls_with_an_untrusted_ca() -> None:
    import trustme

    server_ctx, _ = tls_contexts()
    other = ssl.create_default_context()
    trustme.CA().configure_trust(other)

    async def body(server: SmppTestServer) -> None:
        with pytest.raises(smsc.TransportError, match=r"TLS|certificate"):
            await client(server, ssl=other, server_hostname="localhost").connect()

    run(with_server(body, ssl_context=server_ctx))


# --- the connection killed mid-window --------------------------------------------------------------


def test_connection_killed_mid_window_acknowledged_or_failed_never_resent() -> None:
    async def body(server: SmppTestServer) -> None:
        async with client(server, window=10, window_timeout=10) as c:
            results = await asyncio.gather(*(c.send("7701", f"msg {i}") for i in range(120)), return_exceptions=True)
        acked = {r.message_id: i for i, r in enumerate(results) if isinstance(r, smpp.SmppSendResult)}
        failed = [r for r in results if not isinstance(r, smpp.SmppSendResult)]
        assert len(acked) + len(failed) == 120
        assert failed and all(isinstance(r, smpp.OutcomeUnknown) for r in failed)
        assert c.reconnects >= 1 and len(server.binds) >= 2
        stored = {a.message_id: a.pdu.short_message for a in server.accepted}
        assert set(acked) <= set(stored)  # every acknowledgement is real
        for message_id, index in acked.items():
            assert stored[message_id] == f"msg {index}".encode()
        received = [p.short_message for p in server.received]
        assert len(received) == len(set(received))  # nothing was sent twice
        assert len(stored) == len(set(stored.values()))  # 0 duplicates in the store

    run(with_server(body, faults=Faults(delay=0.002, drop_after=25)))
