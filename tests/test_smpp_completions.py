"""SMPP completions: status by query_sm as smsc.Status, throttling that slows down, a pool of binds,
and mobile-originated messages reassembled — over 127.0.0.1 against the emulator and a test server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest

import smsc
from smsc import smpp
from smsc.emulator import Emulator
from smsc.smpp._rate import AdaptiveRate
from smsc.smpp._time import format_time, parse_time
from smsc.text._gsm import encode_gsm7, encode_ucs2
from smsc.text._udh import udh_header
from tests.support.emulator_support import client as http_client
from tests.support.smpp_server import Faults, SmppTestServer

T = TypeVar("T")
PHONE = "+77011234567"


def run(coro: Awaitable[T], timeout: float = 30.0) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


@contextmanager
def emulator() -> Iterator[Emulator]:
    with Emulator(rate_limits=False, ip_blocking=False, smpp_port=0) as emu:
        yield emu


def on_server(server: SmppTestServer, **options: Any) -> smpp.SmppClient:
    options.setdefault("rate_limit", None)
    options.setdefault("reconnect_delay", (0.05, 0.2))
    return smpp.SmppClient("127.0.0.1", server.port, system_id="demo", password="demo", **options)


# --- SMPP times -------------------------------------------------------------------------------------


def test_smpp_times_round_trip_and_read_every_form() -> None:
    moment = datetime(2026, 12, 1, 15, 4, 5, 300_000, tzinfo=timezone(timedelta(hours=3)))
    assert format_time(moment) == "2612011504053" + "12+"
    assert parse_time(format_time(moment)) == moment
    west = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))
    assert parse_time(format_time(west)) == west
    assert parse_time("") is None and parse_time("000001000000000R") is None
    assert parse_time("261201150405", UTC) == datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="not an SMPP time"):
        parse_time("2612011504")


# --- status by query_sm ---------------------------------------------------------------------------


def test_query_gives_the_same_status_as_http() -> None:
    with emulator() as emu:

        async def body() -> tuple[smsc.Status, smsc.Status, str]:
            assert emu.smpp_port is not None
            async with smpp.SmppClient(
                "127.0.0.1", emu.smpp_port, system_id="demo", password="demo", rate_limit=None
            ) as c:
                sent = await c.send(PHONE, "query me", registered_delivery=False)
                before = await c.query(sent.message_id, PHONE)
                await asyncio.get_running_loop().run_in_executor(None, emu.advance, 60)
                return before, await c.query(sent.message_id, PHONE), sent.message_id

        before, after, message_id = run(body())
        with http_client(emu) as http:
            over_http = http.status(int(message_id), PHONE)
        assert before.status in (smsc.MessageStatus.WAITING, smsc.MessageStatus.TRANSFERRED)
        assert before.changed_at is None and before.phone == PHONE.removeprefix("+")
        assert after.status is smsc.MessageStatus.DELIVERED is over_http.status
        assert after.id == over_http.id == int(message_id)
        assert after.changed_at is not None and over_http.changed_at is not None
        assert abs(after.changed_at - over_http.changed_at) < timedelta(seconds=1)
        assert after.error is None


def test_query_of_an_unknown_message_is_a_status_error() -> None:
    with emulator() as emu:

        async def body() -> None:
            assert emu.smpp_port is not None
            async with smpp.SmppClient("127.0.0.1", emu.smpp_port, system_id="demo", password="demo") as c:
                with pytest.raises(smpp.SmppStatusError, match="ESME_RQUERYFAIL"):
                    await c.query("424242", PHONE)

        run(body())


def test_sync_client_query() -> None:
    with emulator() as emu:
        assert emu.smpp_port is not None
        with smpp.SyncSmppClient("127.0.0.1", emu.smpp_port, system_id="demo", password="demo") as c:
            sent = c.send(PHONE, "sync query", registered_delivery=False)
            emu.advance(60)
            status = c.query(sent.message_id, PHONE)
        assert status.status is smsc.MessageStatus.DELIVERED and str(status.id) == sent.message_id


# --- throttling that adapts ------------------------------------------------------------------------


def test_adaptive_rate_drops_to_what_was_accepted_once_per_burst_and_recovers_slowly() -> None:
    rate = AdaptiveRate(100.0, decrease=0.5, recovery=0.1, cooldown=1.0)
    assert rate.current(0.0) == 100.0
    for i in range(40):
        rate.accepted(9.0 + i / 40)  # 40 taken in the last second
    rate.throttle(10.0)
    assert rate.current(10.0) == 20.0 and rate.throttled == 1  # half of what the SMSC took
    rate.throttle(10.5)  # the same burst: counted, not lowered again
    assert rate.current(10.5) == pytest.approx(21.0) and rate.throttled == 2
    assert rate.current(15.0) == pytest.approx(30.0)  # +10 % of the lowered rate per second
    assert rate.current(1000.0) == 100.0  # never above the ceiling
    rate.throttle(20.0)  # nothing accepted lately: a share of the rate in force
    assert rate.current(20.0) == pytest.approx(20.0)
    floor = AdaptiveRate(4.0, floor=3.0, decrease=0.5)
    floor.throttle(0.0)
    assert floor.current(0.0) == 3.0


def test_adaptive_rate_without_a_ceiling_starts_from_the_accepted_rate() -> None:
    rate = AdaptiveRate(None, decrease=0.5, recovery=0.5)
    assert rate.current(0.0) is None
    for i in range(40):
        rate.accepted(i / 100)
    rate.throttle(0.40)
    assert rate.current(0.40) == 20.0
    assert rate.current(2.40) == pytest.approx(40.0)  # grows without a ceiling until refused again


def test_invalid_rates_are_refused() -> None:
    for bad in (0, -1):
        with pytest.raises(smsc.InvalidRequest, match="rate_limit"):
            smpp.SmppClient("127.0.0.1", system_id="demo", password="demo", rate_limit=bad)


def test_throttling_lowers_the_client_rate_and_every_message_goes_through() -> None:
    async def body() -> None:
        async with SmppTestServer(faults=Faults(max_rate=60)) as server:
            async with on_server(server, rate_limit=500, throttle_delay=(0.02, 0.2), throttle_retries=20) as c:
                assert c.rate == 500
                results = await c.send_many((f"7701{i:04d}", f"m{i}") for i in range(150))
                settled = c.rate
            assert all(isinstance(r, smpp.SmppSendResult) for r in results)
            assert len(server.accepted) == 150
            assert c.throttled >= 1 and settled is not None and settled < 100
            # after slowing down, most submits go through on the first try
            assert server.throttled < 150

    run(body())


# --- several binds ---------------------------------------------------------------------------------


def test_pool_spreads_sends_over_its_binds_and_merges_receipts() -> None:
    async def body() -> None:
        async with SmppTestServer() as server:
            from tests.test_smpp_client import _receipting

            _receipting(server)
            pool = smpp.SmppPool("127.0.0.1", server.port, binds=3, system_id="demo", password="demo", rate_limit=None)
            assert "demo" in repr(pool) and "password" not in repr(pool)
            async with pool:
                assert pool.bound == 3 and len({id(c) for c in pool.clients}) == 3
                results = await pool.send_many((f"7702{i:04d}", "Hello") for i in range(60))
                receipts = []
                async for receipt in pool.receipts():
                    receipts.append(receipt)
                    if len(receipts) == 60:
                        break
            assert all(isinstance(r, smpp.SmppSendResult) for r in results)
            used = {a.session for a in server.accepted}
            assert len(used) == 3  # every bind carried some of the messages
            ids = {r.message_id for r in results if isinstance(r, smpp.SmppSendResult)}
            assert {r.message_id for r in receipts} == ids
            assert pool.bound == 0

    run(body())


def test_pool_shares_the_account_rate_and_survives_one_lost_bind() -> None:
    async def body() -> None:
        async with SmppTestServer() as server:
            async with smpp.SmppPool(
                "127.0.0.1",
                server.port,
                binds=2,
                system_id="demo",
                password="demo",
                rate_limit=200,
                reconnect_delay=(0.05, 0.2),
            ) as pool:
                assert [c.rate_limit for c in pool.clients] == [100, 100] and pool.rate == 200
                server.sessions[0].abort()  # one bind lost: the pool keeps sending on the other
                for _ in range(100):
                    if pool.bound == 1:
                        break
                    await asyncio.sleep(0.005)
                sent = await pool.send("77030000", "still here")
                assert sent.parts == 1
                for _ in range(100):
                    if pool.bound == 2:
                        break
                    await asyncio.sleep(0.02)
                assert pool.bound == 2 and sum(c.reconnects for c in pool.clients) == 1

    run(body())


def test_pool_refuses_bad_sizes_and_closes_all_binds_when_one_cannot_bind() -> None:
    with pytest.raises(smsc.InvalidRequest, match="binds"):
        smpp.SmppPool("127.0.0.1", binds=0, system_id="demo", password="demo")

    async def body() -> None:
        async with SmppTestServer(accounts={"demo": "demo"}) as server:
            pool = smpp.SmppPool("127.0.0.1", server.port, binds=2, system_id="demo", password="wrong")
            with pytest.raises(smpp.SmppAuthError):
                await pool.connect()
            assert pool.bound == 0

    run(body())


def test_pool_against_the_emulator_stores_every_message_once() -> None:
    with emulator() as emu:

        async def body() -> list[smpp.SmppSendResult | smsc.SmscError]:
            assert emu.smpp_port is not None
            async with smpp.SmppPool(
                "127.0.0.1", emu.smpp_port, binds=2, system_id="demo", password="demo", rate_limit=None
            ) as pool:
                return await pool.send_many((f"+7701555{i:04d}", f"pool {i}") for i in range(40))

        results = run(body())
        assert all(isinstance(r, smpp.SmppSendResult) for r in results)
        stored = sorted(m.text for m in emu.messages())
        assert stored == sorted(f"pool {i}" for i in range(40))


# --- mobile-originated messages -------------------------------------------------------------------


def _mo(text: bytes, *, coding: int = 0, esm: int = 0, **tlvs: Any) -> smpp.DeliverSm:
    return smpp.DeliverSm(
        source_addr="77015550001",
        destination_addr="7373",
        esm_class=esm,
        data_coding=coding,
        short_message=text,
        **tlvs,
    )


def test_mobile_originated_messages_arrive_reassembled() -> None:
    async def body() -> None:
        async with SmppTestServer() as server:
            async with on_server(server) as c:
                single = await server.deliver(_mo(encode_gsm7("STOP {all}")))
                body_ucs2 = encode_ucs2("Привет, это длинный ответ на рассылку магазина, из трёх частей! " * 2)
                chunks = [body_ucs2[i : i + 66] for i in range(0, len(body_ucs2), 66)]
                total = len(chunks)
                answers = []
                for seq in reversed(range(1, total + 1)):  # out of order
                    pdu = _mo(udh_header(9, total, seq) + chunks[seq - 1], coding=8, esm=0x40)
                    answers.append(await server.deliver(pdu))
                sar = [
                    _mo(encode_gsm7(part), sar_msg_ref_num=77, sar_total_segments=2, sar_segment_seqnum=n)
                    for n, part in ((1, "first half, "), (2, "second half"))
                ]
                for pdu in sar:
                    await server.deliver(pdu)
                bad = await server.deliver(_mo(udh_header(5, 2, 2)[:-2] + bytes([2, 3]) + b"x", esm=0x40))
                got = []
                async for message in c.messages():
                    got.append(message)
                    if len(got) == 3:
                        break
            assert single.command_status == 0 and all(a.command_status == 0 for a in answers)
            assert bad.command_status == smpp.CommandStatus.ESME_RINVMSGLEN  # the header is in the message
            first, long, halves = got
            assert (first.phone, first.to, first.text, first.parts) == ("77015550001", "7373", "STOP {all}", 1)
            assert long.text == "Привет, это длинный ответ на рассылку магазина, из трёх частей! " * 2
            assert long.parts == total and long.data_coding == 8
            assert halves.text == "first half, second half" and halves.parts == 2
            assert first.received_at.tzinfo is not None

    run(body())


def test_mobile_originated_messages_to_a_handler_and_the_sync_client() -> None:
    from tests.support.smpp_server import ThreadedServer

    seen: list[smpp.MobileMessage] = []

    async def body() -> None:
        async with SmppTestServer() as server:
            async with on_server(server, on_message=seen.append):
                await server.deliver(_mo(encode_gsm7("YES")))
                await asyncio.sleep(0.05)

    run(body())
    assert [m.text for m in seen] == ["YES"]

    threaded = ThreadedServer()
    with threaded as server:
        with smpp.SyncSmppClient("127.0.0.1", server.port, system_id="demo", password="demo") as c:
            threaded.call(lambda: server.deliver(_mo(encode_gsm7("NO"))))
            texts = [m.text for m in c.messages(timeout=1)]
        assert texts == ["NO"]


def test_receipts_are_not_taken_for_messages() -> None:
    async def body() -> None:
        async with SmppTestServer() as server:
            from tests.test_smpp_client import _receipting

            _receipting(server)
            async with on_server(server) as c:
                await c.send("77015550002", "Hello")
                receipt = await asyncio.wait_for(c.receipts().__anext__(), 5)
                assert c._messages is not None and c._messages.empty()
            assert receipt.status is smsc.MessageStatus.DELIVERED

    run(body())


def test_smpp_transport_answers_status_by_query_sm() -> None:
    with emulator() as emu:
        assert emu.smpp_port is not None
        transport = smpp.SmppTransport("127.0.0.1", emu.smpp_port, rate_limit=None)
        with http_client(emu, transport=transport) as client:
            sent = client.send([PHONE], "status over smpp")
            emu.advance(60)
            status = transport.status(sent.id, PHONE, [("login", "demo"), ("psw", "demo")])
            assert status.status is smsc.MessageStatus.DELIVERED is client.status(sent.id, PHONE).status


def test_client_status_goes_over_smpp_when_asked() -> None:
    with emulator() as emu:
        assert emu.smpp_port is not None
        transport = smpp.SmppTransport("127.0.0.1", emu.smpp_port, rate_limit=None, statuses=True)
        with http_client(emu, transport=transport) as client:
            sent = client.send([PHONE], "status by query_sm")
            emu.faults.http_error(503, command="status", count=100)  # HTTPS status would fail: not used
            emu.advance(60)
            status = client.status(sent.id, PHONE)
            assert status.status is smsc.MessageStatus.DELIVERED and str(status.id) == str(sent.id)
            with pytest.raises(smsc.InvalidRequest, match="BASIC"):
                client.status(sent.id, PHONE, detail=smsc.StatusDetail.FULL)
            with pytest.raises(smsc.InvalidRequest, match="one message"):
                client.statuses([(sent.id, PHONE), (sent.id, PHONE)])


def test_the_emulator_delivers_incoming_messages_to_a_receiver_bind() -> None:
    with emulator() as emu:
        assert emu.smpp_port is not None
        emu.receive("+77015550009", "waiting before the bind", to="+77010007373")  # queued until a receiver binds

        async def body() -> list[smpp.MobileMessage]:
            assert emu.smpp_port is not None
            async with smpp.SmppClient(
                "127.0.0.1", emu.smpp_port, system_id="demo", password="demo", bind="receiver"
            ) as c:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, emu.receive, "+77015550010", "Ответ на рассылку: " + "да " * 40)
                got: list[smpp.MobileMessage] = []
                async for message in c.messages():
                    got.append(message)
                    if len(got) == 2:
                        return got
            return got

        first, second = run(body())
        assert (first.phone, first.to, first.text) == ("77015550009", "77010007373", "waiting before the bind")
        assert second.text == "Ответ на рассылку: " + "да " * 40 and second.parts == 3 and second.data_coding == 8
