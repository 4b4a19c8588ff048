"""The emulator's SMPP listener: our client and smpplib against it, sharing state with HTTP, faults, limits."""

from __future__ import annotations

import asyncio
import itertools
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
import smpplib.client
import smpplib.gsm

import smsc
from smsc import smpp
from smsc.emulator import Emulator
from tests.test_smpp_client import run

T = TypeVar("T")
PHONE = "77011234567"


@contextmanager
def emulator(**options: Any) -> Iterator[Emulator]:
    options.setdefault("rate_limits", False)
    options.setdefault("ip_blocking", False)
    options.setdefault("smpp_port", 0)
    with Emulator(**options) as emu:
        yield emu


def smpp_client(emu: Emulator, **options: Any) -> smpp.SmppClient:
    options.setdefault("rate_limit", None)
    options.setdefault("reconnect_delay", (0.05, 0.2))
    options.setdefault("system_id", "demo")
    options.setdefault("password", "demo")
    assert emu.smpp_port is not None
    return smpp.SmppClient("127.0.0.1", emu.smpp_port, **options)


def with_client(emu: Emulator, body: Callable[[smpp.SmppClient], Awaitable[T]], **options: Any) -> T:
    async def go() -> T:
        async with smpp_client(emu, **options) as c:
            return await body(c)

    return run(go())


def test_bind_uses_the_emulator_accounts() -> None:
    with emulator() as emu:
        emu.accounts.add("shop", "s3cret")

        async def body() -> None:
            for system_id, password, code in (("demo", "nope", 0x0E), ("ghost", "demo", 0x0D)):
                with pytest.raises(smpp.SmppAuthError) as info:
                    await smpp_client(emu, system_id=system_id, password=password).connect()
                assert info.value.code == code
            async with smpp_client(emu, system_id="shop", password="s3cret") as c:
                assert c.bound

        run(body())


def test_submit_is_seen_over_http_and_the_receipt_arrives() -> None:
    with emulator() as emu:

        async def body(c: smpp.SmppClient) -> tuple[smpp.SmppSendResult, smpp.Receipt]:
            sent = await c.send(PHONE, "Hello over SMPP", source="Shop")
            await asyncio.get_running_loop().run_in_executor(None, emu.advance, 60)
            async for receipt in c.receipts():
                return sent, receipt
            raise AssertionError("no receipt")

        sent, receipt = with_client(emu, body)
        [message] = emu.messages()
        assert str(message.id) == sent.message_id and message.text == "Hello over SMPP" and message.sender == "Shop"
        with smsc.Client(login="demo", password="demo", base_url=emu.base_url) as http:
            status = http.status(int(sent.message_id), "+" + PHONE)
        assert status.status is smsc.MessageStatus.DELIVERED
        assert receipt.message_id == sent.message_id and receipt.status is smsc.MessageStatus.DELIVERED
        assert receipt.cost == message.cost and receipt.parts == 1 and receipt.phone == PHONE


@pytest.mark.parametrize(
    ("mode", "text"),
    [("udh", "a" * 152 + "€" + "b" * 10), ("sar", "Привет, мир! " * 6), ("payload", "Длинный текст " * 10)],
)
def test_long_messages_are_reassembled_and_counted(mode: str, text: str) -> None:
    with emulator() as emu:
        sent = with_client(emu, lambda c: c.send(PHONE, text), long_messages=mode)
        [message] = emu.messages()
        assert message.text == text and str(message.id) == sent.message_id
        assert message.parts == smsc.segments(text).count
        assert len(set(sent.message_ids)) == 1  # every part answered with the message's id


def test_query_sm_reads_the_store() -> None:
    with emulator() as emu:

        async def body(c: smpp.SmppClient) -> tuple[smpp.QuerySmResp, smpp.QuerySmResp]:
            sent = await c.send(PHONE, "query me")
            before = await c.query_sm(sent.message_id)
            await asyncio.get_running_loop().run_in_executor(None, emu.advance, 60)
            return before, await c.query_sm(sent.message_id)

        before, after = with_client(emu, body, registered_delivery=False)
        assert before.message_state == smpp.MessageState.ENROUTE and before.final_date == ""
        assert after.message_state == smpp.MessageState.DELIVERED and len(after.final_date) == 16

        async def missing(c: smpp.SmppClient) -> None:
            with pytest.raises(smpp.SmppStatusError, match="ESME_RQUERYFAIL"):
                await c.query_sm("424242")

        with_client(emu, missing)


def test_throttling_beyond_the_configured_rate() -> None:
    with emulator(smpp_throttle=5) as emu:

        async def body(c: smpp.SmppClient) -> list[smpp.SmppSendResult]:
            return await asyncio.gather(*(c.send(PHONE, f"m{i}") for i in range(12)))

        results = with_client(emu, body, throttle_retries=8, throttle_delay=(0.2, 1.0))
        assert len(results) == 12 and len(emu.messages()) == 12


def test_drop_fault_mid_window_and_rebind() -> None:
    with emulator() as emu:
        emu.faults.drop(command="send", count=1)

        async def body(c: smpp.SmppClient) -> tuple[list[Any], int]:
            results = await asyncio.gather(*(c.send(PHONE, f"msg {i}") for i in range(30)), return_exceptions=True)
            return list(results), c.reconnects

        results, reconnects = with_client(emu, body, window=10)
        acked = [r for r in results if isinstance(r, smpp.SmppSendResult)]
        failed = [r for r in results if not isinstance(r, smpp.SmppSendResult)]
        assert failed and all(isinstance(r, smpp.OutcomeUnknown) for r in failed)
        assert len(acked) + len(failed) == 30 and reconnects >= 1
        stored = {str(m.id): m.text for m in emu.messages()}
        assert len(stored) == len(set(stored.values()))  # 0 duplicates
        assert {r.message_id for r in acked} <= set(stored)
        assert len(stored) >= len(acked)  # the dropped submit was stored: its outcome was unknown


def test_delay_fault_meets_the_response_timeout() -> None:
    with emulator() as emu:
        emu.faults.delay(0.5, command="send", count=1)

        async def body(c: smpp.SmppClient) -> None:
            with pytest.raises(smpp.ResponseTimeout):
                await c.send(PHONE, "slow")
            assert (await c.send(PHONE, "fast")).parts == 1

        with_client(emu, body, response_timeout=0.2)


def test_inactivity_limit_drops_the_connection() -> None:
    with emulator(smpp_inactivity=0.3) as emu:

        async def body(c: smpp.SmppClient) -> int:
            for _ in range(60):
                await asyncio.sleep(0.05)
                if c.reconnects:
                    break
            return c.reconnects

        assert with_client(emu, body, enquire_link_interval=60) >= 1

        async def keepalive(c: smpp.SmppClient) -> int:
            await asyncio.sleep(0.8)
            return c.reconnects

        assert with_client(emu, keepalive, enquire_link_interval=0.1) == 0


def test_garbage_gets_generic_nack() -> None:
    with emulator() as emu:
        assert emu.smpp_port is not None
        with socket.create_connection(("127.0.0.1", emu.smpp_port), timeout=5) as sock:
            sock.sendall(struct.pack(">IIII", 16, 0x00000777, 0, 5))
            nack = smpp.decode(sock.recv(16))
            assert nack == smpp.GenericNack(sequence_number=5, command_status=smpp.CommandStatus.ESME_RINVCMDID)
            sock.sendall(smpp.SubmitSm(sequence_number=6, destination_addr=PHONE).encode())
            resp = smpp.decode(sock.recv(16))
            assert resp.command_status == smpp.CommandStatus.ESME_RINVBNDSTS  # not bound yet


def test_smpplib_client_against_the_emulator() -> None:
    with emulator() as emu:
        assert emu.smpp_port is not None
        acks: dict[int, str] = {}
        receipts: list[Any] = []
        c = smpplib.client.Client("127.0.0.1", emu.smpp_port, timeout=5, allow_unknown_opt_params=True)
        c.set_message_sent_handler(lambda pdu: acks.__setitem__(pdu.sequence, pdu.message_id.decode()))
        c.set_message_received_handler(lambda pdu: receipts.append(pdu))
        c.connect()
        c.bind_transceiver(system_id="demo", password="demo")
        texts = ["Hello from smpplib! " * 9, "Привет от smpplib! " * 5]
        sent = 0
        for text in texts:
            parts, coding, esm = smpplib.gsm.make_parts(text)
            for part in parts:
                c.send_message(
                    source_addr="Shop",
                    source_addr_ton=5,
                    destination_addr=PHONE,
                    dest_addr_ton=1,
                    short_message=part,
                    data_coding=coding,
                    esm_class=esm,
                    registered_delivery=1,
                )
                sent += 1
        for _ in range(50):
            if len(acks) >= sent:
                break
            c.read_once()
        emu.advance(60)
        deadline = time.monotonic() + 5
        while len(receipts) < 2 and time.monotonic() < deadline:
            c.read_once()
        c.unbind()
        c.disconnect()
        stored = emu.messages()
        assert sorted(m.text for m in stored) == sorted(texts)
        assert {str(m.id) for m in stored} == set(acks.values())
        assert {r.receipted_message_id.decode() for r in receipts} == {str(m.id) for m in stored}
        assert all(b"stat:DELIVRD" in r.short_message for r in receipts)


def test_command_line_emulator_serves_smpp() -> None:
    import re
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", "--smpp-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = None
        deadline = time.monotonic() + 20
        while port is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            found = re.search(r"SMPP 3\.4 on 127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        assert port is not None
        with smpp.SyncSmppClient("127.0.0.1", port, system_id="demo", password="demo", rate_limit=None) as c:
            sent = c.send(PHONE, "from the command line")
            assert sent.parts == 1 and c.bound
        assert not c.bound
    finally:
        proc.terminate()
        proc.wait(10)


def test_sync_client_receipts_and_errors() -> None:
    with emulator() as emu:
        assert emu.smpp_port is not None
        with pytest.raises(smpp.SmppAuthError):
            smpp.SyncSmppClient("127.0.0.1", emu.smpp_port, system_id="demo", password="bad").connect()
        with smpp.SyncSmppClient("127.0.0.1", emu.smpp_port, system_id="demo", password="demo", rate_limit=None) as c:
            sent = c.send(PHONE, "sync hello", source="Shop")
            emu.advance(60)
            receipts = list(itertools.islice(c.receipts(timeout=5), 1))
            assert [r.message_id for r in receipts] == [sent.message_id]
            assert receipts[0].status is smsc.MessageStatus.DELIVERED
        with pytest.raises(smsc.TransportError, match="not connected"):
            c.send(PHONE, "after close")
